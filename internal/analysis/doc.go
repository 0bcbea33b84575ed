// Package analysis turns case counts into the figures a bureau plans its
// patrols with (DOMAIN.md §5, issue 13 "Hotspots and prediction"): the grid
// heat map (cases per unit grid per km² and, where the city knows its
// residents, per 1,000 residents), the hour-of-week pattern, the top
// sub-classes against the previous period, recurrence hotspots, the plan's
// targets (突出问题发生率 −50 %, 投诉量 −30 % against a baseline year) and a
// forecast of next week's cases per grid and sub-class whose error is
// measured on held-out weeks beside a naive baseline.
//
// The counting is the store's: [Store] asks for aggregates (GROUP BY in
// SQL), never for cases, so a query over a year of a big city moves a few
// thousand rows. What is computed from those aggregates (rates, changes,
// the model, its backtest) is pure and lives here; [Service] ties the two
// together and applies the caller's jurisdiction (casework.Scope).
//
// analysis imports only domain packages (casework, catalog, org, errs); it
// never imports net/http, database/sql, a store, api, web or app.
package analysis
