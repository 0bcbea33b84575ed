// Package hub is the department data-sharing hub (数据共享交换): a catalogue
// of the datasets CityLoop publishes and partner departments publish into
// it; the outbox of changes (the case timeline copied by the feeder, plus
// partner records), which partners pull with a cursor or receive through
// signed webhooks with retries, backoff, a dead-letter list and at-least-once
// delivery; and the sharing figures per department. The outbox, the
// deliveries and the dead letters are pruned by [Pruner] under the
// [Retention] settings; a pull from a pruned cursor is refused (410).
//
// Webhook deliveries carry several changes each. Every change has an
// idempotency key (its event id) that stays the same on every retry, so a
// receiver that remembers the keys it has processed sees each change exactly
// once. See [Sign] and [Verify] for the signature.
//
// Webhook URLs are administrators' input: they are checked against the
// operator's egress allow-list when saved and on every connection (package
// egress), redirects to another host are not followed, and dead letters
// say what kind of failure it was without network detail. The endpoints
// under /api/v1/hub are served by package api through [Service], which
// holds the rules over the store and tells the [Engine] what changed; the
// API checks the caller and audits changes to subscriptions and retention.
package hub
