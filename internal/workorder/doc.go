// Package workorder holds the records of 12345 hotline work orders (工单)
// as CityLoop keeps them: the [Order] with the hotline's own clocks, its
// [Caller], the administrator's [Settings], and the [Store] that persists
// them. It is pure: package hotline (the push and pull adapter, poller and
// callback formatter) decides with these types and hubstore stores them.
// It must not import net/http, database/sql or the adapters above it.
package workorder
