// Package bigscreen composes the command centre's big screen (大屏): live
// counters (今日上报, 在办, 超时, 今日结案), the reports and closures of the
// last 30 days, the unit grids of the map coloured by a chosen figure (本周
// 上报 from package analysis's heat map, or an indicator of package kpi per
// grid) and a ranking of districts by an indicator.
//
// It decides nothing about cases: it asks the same services as the API's
// /api/v1/kpis and /api/v1/analysis/heat (casework's Tally and FindCases,
// analysis's Heat), each of which applies the caller's jurisdiction, plus
// one grouped count per day from the store ([DayCounter], given the
// caller's scope), and lays their answers out for one screen. Which posts may open the
// screen ([Allowed]) is decided here too. Only counts and rates leave this
// package: no case, reporter or person, so nothing on the screen needs
// masking under package disclose.
//
// bigscreen is a domain package: it never imports net/http, database/sql,
// the stores, api, web or app; web serves it and app wires it.
package bigscreen
