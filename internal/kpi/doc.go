// Package kpi owns the indicators of the assessment (数据分析与考核,
// DOMAIN.md §5 and the plan's §3.2 targets): each indicator's definition as
// data a city can edit and version (code, Chinese and English name,
// numerator and denominator as case predicates, target, direction, unit,
// effective date), the composite scores built from them with their grades,
// the periods they are asked for (day range, week, month, quarter, year,
// month-on-month, year-on-year), and the arithmetic that turns the store's
// counts into figures.
//
// It decides nothing about storage: the predicates are casework facts,
// which the store counts (casework.TallyStore) and which the case list
// filters by, so every figure can be opened into exactly the cases behind
// it. This package must not import net/http, database/sql or any store.
package kpi
