// Package demo builds the deterministic demo city that `cityloop serve`
// seeds an empty store with and that tests use as fixtures: 示范市 (code
// 3201, around 118.78° E, 32.04° N) with 6 districts, 48 streets (街道), 336
// communities (社区) and 20,160 unit grids of 100 m × 100 m, the staff
// accounts of every post, a set of drawn photos, and a year of cases.
//
// # Flow
//
// [Regions] lays out the tree from nested rectangles of a 100 m lattice, so
// it tiles with no gaps or overlaps; the caller builds an org.Atlas from it
// and a casework.Service around the atlas, the dictionary and the calendar;
// [Generate] then writes the regions (one org.ImportPlan), the [Accounts],
// the photos and the cases to a [Sink]. [Build] does all of that in one call.
// The store assigns case codes.
//
// Every case is drafted with casework.Service.Draft, exactly as an intake,
// and then moved only by casework.Decide, at increasing simulated times and
// never after Options.Now: accept or verify, file, dispatch, sign, dispose,
// check, close and call back, with the exception paths of DOMAIN.md §2.4
// (rejection, voiding, merged duplicates, returns and 推诿, extensions,
// 挂账, rework, self-handling, urging, overdue marks by the system) in
// realistic shares, hotspots, weekday and daytime peaks, seasons, and
// recurrences near recently closed cases. Cases of the last days stop in
// every open state, so queues have work and lights are mixed at now.
//
// # Determinism and scale
//
// All randomness comes from PCG streams (math/rand/v2) seeded from the seed
// plus a salt and an index, so the same seed, case count, now, dictionary
// and calendar give identical regions, IDs, cases and timelines, whatever the
// number of workers. A case's report time is the (i+u)/N quantile of the
// year's intensity curve, so case i needs nothing from the others except,
// for a duplicate or a recurrence, the case it repeats, which it re-derives.
// Cases go to the sink in batches of [BatchSize] while the next batch is
// simulated on all cores: memory stays flat for any case count.
//
// # Codes
//
// District = city + 2 digits (320101…), street = district + 3 (320101001…),
// community = street + 3, grid = community + a 2-digit sequence numbered
// west→east, north→south (14 digits, DOMAIN.md §3). The layout keeps every
// community at 99 grids or fewer; if a layout ever exceeded that, every grid
// of the city would get a 3-digit sequence (15 digits), never a mix.
//
// demo imports only the domain packages (casework, catalog, org, geo,
// worktime); it must not import a store, net/http or database/sql.
package demo
