// Package catalog owns the dictionary of the digital urban management
// system: the two classification trees of 部件 (components: manhole covers,
// street lights, trees …) and 事件 (events: illegal structures, dumped
// refuse, hawkers …), their numbered filing conditions (立案条件) with
// disposal limits and closing conditions (结案条件), the departments that
// dispose of cases, the joint enforcement list (联合执法清单) that routes a
// category to a department, and the stage limits (环节时限) of the loop.
//
// # Identity
//
// A category is a [Ref]: a [Kind] and a 4-digit code, major class (大类)
// then sub-class (小类). The two trees are numbered independently, so
// "0101" alone means nothing; [ParseRef] refuses it and the canonical form
// is "component:0101" / "event:0101" everywhere (JSON, URLs, database).
//
// # Versions
//
// Local 立案结案标准 manuals change often, and a case must be judged by the
// rules in force when it was filed. So a [SubClass] is versioned by
// effective date: an edit ([Dictionary.WithSubClass]) closes the current
// version and adds a new one, and [Dictionary.Lookup] takes a time. Nothing
// is edited in place.
//
// # Snapshots
//
// A [Dictionary] is immutable. Reads are safe from any goroutine; edits
// return a new snapshot, and the caller (the store and app layers) persists
// and publishes it. Nothing here does I/O.
//
// # Routing
//
// [Dictionary.Route] picks the department for a category at a located
// point: the joint enforcement rule for the deepest region on the point's
// path wins, then a city-wide rule, then the sub-class's default
// department. The special department code [StreetOffice] ("street") means
// 属地兜底, the street office of wherever the case is, and is resolved by
// the caller from the point's location.
//
// # Data file
//
// [Default] loads data/dictionary.json, embedded in the binary; a city
// loads its own file with [Parse] and can export an edited dictionary with
// json.Marshal. The file is one JSON object:
//
//	effective_from  default start of every sub-class that gives none
//	majors          {"component": {"01": {"zh": "公用设施", "en": …}, …}, "event": {…}}
//	stage_limits    {"urgent"|"normal"|"complex": {"accept"|"verify"|"file"|"dispatch"|"sign"|"check": {"amount": 0.5, "unit": "working_hours"}}}
//	departments     [{"code", "name", "kind", "phone"}]
//	subclasses      [SubClass as JSON; major_name and effective_from may be left out]
//	rules           [{"id", "category", "region_code", "department", "auto", "priority"}]
//
// Several versions of one sub-class are several entries with the same ref,
// each but the last closed with effective_to.
//
// catalog imports only the standard library, errs and worktime (for
// [worktime.Limit]); it must not import org, casework, any store or net/http.
package catalog
