// Package share holds the records of the data-sharing hub (数据共享交换):
// the dataset catalogue, partners' records, the outbox of changes,
// subscriptions with their deliveries and dead letters, the delay rows the
// sharing figures are computed from, and the [Store] that persists them.
// It is pure: package hub (the delivery engine, feeder, signing,
// formatters, figures and retention) decides with these types and hubstore
// stores them. It must not import net/http, database/sql or the adapters
// above it.
package share
