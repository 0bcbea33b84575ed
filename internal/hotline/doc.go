// Package hotline connects the 12345 government hotline (政务服务便民热线)
// to the loop. Work orders (工单) arrive by push (POST) or, for platforms that
// cannot push, by a poller that reads a configurable URL with a cursor; each
// becomes a case through casework.Service.Report with source "hotline" and
// the order number as external_ref. Every change of the case goes back to
// the hotline through a hub subscription of kind "hotline" (signed, retried,
// dead-lettered like any webhook). The hotline's own clocks are kept beside
// the case's: contact the caller within N working days, reply within M
// working days (worktime.Calendar), and the callback (回访) result. An order
// closes only after its case has left the loop (DOMAIN.md §6).
//
// The caller's name, phone and address go to the case (sealed there) and to
// [workorder.Order.Caller], which the store seals apart from the raw order and erases
// with the case's reporter (retention). The pull and callback URLs pass the
// egress policy when saved and on every dial, the pull token never follows
// a redirect, and settings changes are audited. The endpoints under
// /api/v1/hotline are served by package api through [Adapter].
package hotline
