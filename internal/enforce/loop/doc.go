// Package loop connects penalty cases (package enforce) to the closed loop
// (package casework): it implements enforce.Loop over a casework.Service.
// A loop case of a violation category opens a penalty case, and gets a
// timeline event that says so; when the penalty case reaches its final
// outcome the loop case moves on through the loop's own transition table:
//
//   - 结案 (penalised, exempted or a 不予处罚 decision): the enforcement
//     department's disposal feedback (处置反馈, casework "dispose") with the
//     scene photos of the penalty case, so the supervisor checks (核查) and
//     the shift lead closes (结案) as for any case;
//   - 不予立案: the department returns the case (回退, casework "return") for
//     the dispatcher to route elsewhere, with the reason.
//
// When the loop case is not in a state where those actions exist (not yet
// signed for, already disposed, closed), or the penalty case has no scene
// photo, the loop's table offers nothing that fits: the outcome is then
// recorded as a timeline event on the loop case without moving it, and the
// answer says so.
//
// It is pure glue between two domain packages: it imports enforce,
// casework and org, never net/http, database/sql, a store or an adapter.
package loop
