// Package worktime owns CityLoop's clocks: the working-time calendar
// (工作日/工作时 with holidays and 调休 working weekends), deadlines and
// elapsed time in working or natural units, stage and whole-case clocks that
// survive 挂账 (suspension) and 延期 (extension), and the green/yellow/red
// lights computed from them (DOMAIN.md §2.5, §6).
//
// # Calendar data
//
// The calendar is data, one JSON file per year (data/YYYY.json, embedded and
// returned by [Default]; a city supplies its own through [Parse]):
//
//	{
//	  "year": 2025,
//	  "timezone": "Asia/Shanghai",
//	  "source": "国务院办公厅关于2025年部分节假日安排的通知…",
//	  "holidays": [{"date": "2025-10-01", "name_zh": "国庆节、中秋节", "name_en": "National Day and Mid-Autumn Festival"}],
//	  "workdays": [{"date": "2025-09-28", "name_zh": "国庆节、中秋节", "name_en": "National Day and Mid-Autumn Festival"}],
//	  "schedule": {
//	    "segments": ["08:30-12:00", "14:00-17:30"],
//	    "seasons": [{"name": "summer", "from": "05-01", "to": "09-30", "segments": ["08:30-12:00", "14:30-18:00"]}]
//	  }
//	}
//
// "holidays" lists every day off of each 放假 block, including the weekend
// days joined to it, so a calendar view can name them; "workdays" lists the
// 调休上班 weekend days and names the holiday they pay for. Seasons are
// optional and inclusive; one whose "from" is after its "to" wraps over the
// new year. The embedded 2024–2026 files carry the State Council notices for
// mainland China (2025 onward with the extra 除夕 and 5月2日 of the 2024
// revision) and one year-round 08:30–12:00, 14:00–17:30 day without a summer
// variant, because cities disagree on one.
//
// # Conventions
//
//   - Dates outside the covered [Calendar.Years] are plain Mon–Fri working
//     days with the schedule of the closest earlier covered year, so a
//     missing next-year file degrades deadlines instead of stopping them.
//   - 1 working day == [Calendar.DayLength] of working time (7h with the
//     embedded data): 1 working day from Monday 10:00 ends Tuesday 10:00.
//     DOMAIN.md §6 records that cities differ; this is the choice that lets
//     working days and working hours mix in one clock.
//   - A working deadline that exactly uses up a segment falls on the segment
//     end (Friday 17:30), not on the next segment start (Monday 08:30).
//   - Lights: green below 80 % of the limit, yellow from 80 % to 100 %
//     inclusive, red only when overdue ([LightOf]).
//   - A pause stops the clock only for the time it would have counted: a
//     挂账 over a weekend does not give back working hours.
//
// Deadlines walk the calendar a day at a time over precomputed office
// segments (no per-minute loops), fast enough for lights on list pages and
// for generating 100,000+ demo cases.
//
// worktime is a leaf of the dependency graph (DESIGN.md §3.2): it imports the
// standard library and cityloop/internal/errs only, never net/http or
// database/sql, and has no package-level mutable state; time always comes in
// as an argument.
package worktime
