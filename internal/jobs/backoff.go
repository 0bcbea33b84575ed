package jobs

import "time"

// Retry pacing: the first retry after BackoffBase, doubling with each
// further attempt, never more than BackoffCap. A failing job is usually a
// dependency that is down (a partner's webhook, the 12345 platform); a few
// quick retries catch a blip, the cap stops a long outage from pushing the
// retry past any sensible horizon.
const (
	BackoffBase = 10 * time.Second
	BackoffCap  = 15 * time.Minute
)

// Backoff is how long to wait after the attempt-th failed attempt (1-based)
// at one due time: BackoffBase·2^(attempt-1), capped at BackoffCap. It is
// deterministic, without jitter: only the node holding a job's lease
// retries it, so there is no herd to spread out.
func Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := BackoffBase
	for i := 1; i < attempt; i++ {
		d *= 2
		if d >= BackoffCap {
			return BackoffCap
		}
	}
	return min(d, BackoffCap)
}
