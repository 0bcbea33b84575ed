// Package disclose is the one policy for what the public may see of a case:
// the citizen pages (public map, tracking page), the Open311 feed and the
// hub's public datasets all ask it, so they cannot drift apart.
//
// The rules, in short:
//
//   - a location is rounded to three decimals of a degree (about 100 m), the
//     precision of the public map;
//   - a description loses phone numbers, ID numbers and house or flat
//     numbers (digit runs are masked); a 12345 hotline case shows its
//     category instead, since the words are an operator's record of a call,
//     and so does a rejected or voided report;
//   - the timeline shows a standard bilingual text per action, never a staff
//     note, and leaves out internal supervision (督办, 超期);
//   - a photo is public only when the reporter attached it to the report of
//     a case that is public (a citizen's or a supervisor's patrol report
//     that was not rejected or voided); staff photos (核实, 处置, 核查),
//     device snapshots and partners', leaders' or hotline material are not.
//
// A published penalty decision names a person by the surname and one "*"
// and an organisation by its name ([PenaltyParty]); ID numbers, USCCs and
// phones are never published.
//
// Partners whose Open311 key carries the detail right, and posts that see
// every case, get the full text ([Detail]). The package is pure: no I/O, no HTTP, no SQL.
package disclose
