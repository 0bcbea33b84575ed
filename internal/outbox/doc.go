// Package outbox is the platform's outbound notification outbox (通知发件箱):
// 送达 of enforcement documents, reminders, 督办 escalations and citizens'
// one-time codes all leave through it. A [Message] is written once, with
// its recipient sealed by the store, and then moves
//
//	queued → sending → sent → delivered
//	            ↘ failed (retry after a backoff) ↗      ↘ dead (gave up)
//
// The [Sender] claims due messages from the [Store] under a lease, hands
// each to the [Provider] of its channel (e-mail over SMTP, SMS through a
// signed HTTP gateway; see the smtp and webhook subpackages), records the
// attempt and decides, through [Message.AfterAttempt], whether the message
// is sent, waits for a retry (exponential backoff with jitter, see
// [Policy]) or is dead. Delivery receipts from a gateway move a sent
// message on ([Message.ApplyReceipt]); an administrator may send a failed
// or dead message again ([Message.Retry]). An idempotency key makes a
// second enqueue of the same notification return the first.
//
// The package decides and never does I/O: it imports no net/http,
// database/sql, store, api, web or app. The providers live in their own
// subpackages because they talk to the network; the store is
// internal/store/outboxstore.
package outbox
