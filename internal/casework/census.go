package casework

import "cityloop/internal/worktime"

// Census is the operator's count of the cases (what /metrics shows): a
// store keeps it cheap to read, without reading the cases.
type Census struct {
	// Open counts the cases still in the loop (OpenStatuses) by status.
	Open map[Status]int64
	// Lights counts the cases with a running stage clock by their light
	// (Case.Light at the time asked).
	Lights map[worktime.Light]int64
	// BySource counts every case in the store by intake channel.
	BySource map[Source]int64
}
