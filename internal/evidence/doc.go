// Package evidence is the full-process record (全过程记录, 国办发〔2018〕118号;
// 行政处罚法第四十七条) of mobile enforcement: the evidence an officer
// collects — photos, body-camera video, audio recordings and documents —
// bound to a penalty case, the officer and the recording device, and the
// tamper-evident chain of custody (证据保管链) of every act on it.
//
// It owns:
//
//   - [Item], one piece of evidence with its SHA-256, capture time, GPS
//     position, device and officer; [Kind] and the MIME allow-list
//     ([Sniff], [KindOf]) with a size limit per kind ([Limits]);
//   - [Meta], the upload's declared fields (tus Upload-Metadata), read by
//     [ParseMeta], and [ReadEXIF], which takes a photo's capture time and
//     GPS before package photo strips the EXIF block;
//   - the chain of custody: each [Entry] (uploaded 上传, viewed 调阅,
//     exported 导出, linked 关联 …) carries the hash of the case's previous
//     entry; [Seal] computes an entry's link and [Verify] walks a chain and
//     names the first entry that was altered, removed or inserted;
//   - [Service], which records a finished upload with its "uploaded" entry
//     in one store call, and writes a custody entry before content is
//     handed out;
//   - [CaseAccess], the question "may this officer work on this case", which
//     the penalty case store answers (enforce.Service.CaseAccess on a node; [PostAccess] in tests).
//
// The package is plain Go: no net/http, no database/sql, no store, api, web
// or app. Bytes reach it as readers; package vault keeps the files and
// speaks tus, evidencestore keeps the rows.
package evidence
