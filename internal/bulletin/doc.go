// Package bulletin owns the assessment bulletins (考核通报): the 月通报
// for a month, the 季考核 for a quarter and the 年评估 for a year, of the
// city or of one district. It gathers a bulletin's figures (the indicator
// book's items, each with the case lists behind it), the rankings of
// districts, streets and departments by the assessment schemes (package
// assess) with their 红黑榜, renders them as HTML, PDF (Chinese text, the
// font found as package enforce/document finds it) and XLSX (excelize),
// archives them through a [Store], and schedules their production on the
// first working day after each period (package jobs).
//
// Jurisdiction: the city bulletin covers the whole city; each district
// gets a bulletin of its own (its figures and its streets' ranking), so a
// district head reads his district's bulletin and nobody reads figures of
// a unit he sees only part of.
//
// It never imports database/sql, api, web, app or any store (the store is
// internal/store/bulletinstore), and its own code uses no net/http; excelize
// pulls net/http in, so the arch test does not list it among the domain
// packages (package assess, which decides the scores, is listed).
package bulletin
