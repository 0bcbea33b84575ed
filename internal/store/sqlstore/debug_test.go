package sqlstore_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"cityloop/internal/store/sqlstore"
)

func TestMain(m *testing.M) {
	m.Run()
	b := sqlstore.DebugBatches
	if len(b) == 0 {
		return
	}
	sizes := []int64{}
	durs := []int64{}
	for _, x := range b {
		sizes = append(sizes, x[0])
		durs = append(durs, x[1])
	}
	slices.Sort(sizes)
	slices.Sort(durs)
	q := func(s []int64, p float64) int64 { return s[int(p*float64(len(s)-1))] }
	fmt.Printf("batches %d; size p50 %d p90 %d max %d; dur p50 %v p90 %v p99 %v max %v\n", len(b), q(sizes, .5), q(sizes, .9), sizes[len(sizes)-1],
		time.Duration(q(durs, .5)), time.Duration(q(durs, .9)), time.Duration(q(durs, .99)), time.Duration(durs[len(durs)-1]))
}
