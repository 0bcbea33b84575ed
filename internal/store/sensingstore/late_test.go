package sensingstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/sensing"
)

// TestStore_LateReadings checks that readings arriving after Downsample has
// passed their minute still reach the minute and hour aggregates.
func TestStore_LateReadings(t *testing.T) {
	t0 := time.Date(2024, 6, 10, 10, 0, 0, 0, time.UTC)
	now := t0.Add(4 * time.Hour) // Downsample ran up to here; late is before 13:50
	at := func(h, m, s int) time.Time { return time.Date(2024, 6, 10, h, m, s, 0, time.UTC) }
	reading := func(dev string, ts time.Time, v float64) sensing.Reading {
		return sensing.Reading{Device: dev, TS: ts, Values: map[string]float64{"noise_db": v}}
	}
	// n1 reports once a minute from t0, 40 + i%10: every hour holds 60
	// readings summing to 2670, every minute one.
	hourBefore := sensing.SeriesPoint{N: 60, Avg: 44.5, Min: 40, Max: 49}
	backlog := func() []sensing.Reading { // n2, offline 09:00–14:00, uploads it all now
		var rs []sensing.Reading
		for i := range 300 {
			rs = append(rs, reading("n2", at(9, 0, 0).Add(time.Duration(i)*time.Minute), 10))
		}
		return rs
	}
	cases := []struct {
		name      string
		prune     *sensing.Retention // applied at now, before the late batch
		late      []sensing.Reading
		wantRaw   int // raw rows the batch adds
		wantDirty int // late minutes recorded by the batch
		device    string
		minute    time.Time
		want      sensing.SeriesPoint // the minute after the next Downsample
		wantHour  sensing.SeriesPoint // the hour holding it
	}{
		{
			name:      "3 hours late",
			late:      []sensing.Reading{reading("n1", at(10, 30, 30), 100)},
			wantRaw:   1,
			wantDirty: 1,
			device:    "n1", minute: at(10, 30, 0),
			want:     sensing.SeriesPoint{N: 2, Avg: 70, Min: 40, Max: 100},
			wantHour: sensing.SeriesPoint{N: 61, Avg: 2770.0 / 61, Min: 40, Max: 100},
		},
		{
			name:      "duplicate late reading changes nothing",
			late:      []sensing.Reading{reading("n1", at(10, 30, 0), 999)},
			wantRaw:   0,
			wantDirty: 1, // recorded all the same: the insert does not say it skipped
			device:    "n1", minute: at(10, 30, 0),
			want:     sensing.SeriesPoint{N: 1, Avg: 40, Min: 40, Max: 40},
			wantHour: hourBefore,
		},
		{
			name:      "inside the redo window, as before",
			late:      []sensing.Reading{reading("n1", at(13, 55, 30), 100)},
			wantRaw:   1,
			wantDirty: 0,
			device:    "n1", minute: at(13, 55, 0),
			want:     sensing.SeriesPoint{N: 2, Avg: 72.5, Min: 45, Max: 100},
			wantHour: sensing.SeriesPoint{N: 61, Avg: 2770.0 / 61, Min: 40, Max: 100},
		},
		{
			name:      "backlog of a new device, more than one batch of late minutes",
			late:      backlog(),
			wantRaw:   300,
			wantDirty: 290, // 13:50–13:59 are within the redo window
			device:    "n2", minute: at(13, 55, 0),
			want:     sensing.SeriesPoint{N: 1, Avg: 10, Min: 10, Max: 10},
			wantHour: sensing.SeriesPoint{N: 60, Avg: 10, Min: 10, Max: 10},
		},
		{
			name:      "older than the raw retention: kept raw, aggregates untouched",
			prune:     &sensing.Retention{Raw: 2 * time.Hour, Minute: 1000 * time.Hour, Hour: 10000 * time.Hour},
			late:      []sensing.Reading{reading("n1", at(10, 30, 30), 100)},
			wantRaw:   1,
			wantDirty: 1,
			device:    "n1", minute: at(10, 30, 0),
			want:     sensing.SeriesPoint{N: 1, Avg: 40, Min: 40, Max: 40},
			wantHour: hourBefore,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for name, dsn := range dsns(t) {
				t.Run(name, func(t *testing.T) {
					ctx := context.Background()
					db := mustOpen(t, dsn)
					var rs []sensing.Reading
					for i := range 240 {
						rs = append(rs, reading("n1", t0.Add(time.Duration(i)*time.Minute), float64(40+i%10)))
					}
					if err := db.AppendReadings(ctx, rs); err != nil {
						t.Fatal(err)
					}
					if err := db.Downsample(ctx, now); err != nil {
						t.Fatal(err)
					}
					if tc.prune != nil {
						if err := db.Prune(ctx, now, *tc.prune); err != nil {
							t.Fatal(err)
						}
					}
					before, _ := db.CountReadings(ctx, "")
					if err := db.AppendReadings(ctx, tc.late); err != nil {
						t.Fatal(err)
					}
					if got := countDirty(t, db); got != tc.wantDirty {
						t.Errorf("%d late minutes recorded, want %d", got, tc.wantDirty)
					}
					if err := db.Downsample(ctx, now.Add(time.Minute)); err != nil {
						t.Fatal(err)
					}
					if got := countDirty(t, db); got != 0 {
						t.Errorf("%d late minutes left after Downsample", got)
					}
					minute := tc.want
					minute.T = tc.minute
					hour := tc.wantHour
					hour.T = tc.minute.Truncate(time.Hour)
					if diff := cmp.Diff([]sensing.SeriesPoint{minute}, series(t, db, tc.device, "minute", tc.minute, time.Minute)); diff != "" {
						t.Errorf("minute aggregate (-want +got):\n%s", diff)
					}
					if diff := cmp.Diff([]sensing.SeriesPoint{hour}, series(t, db, tc.device, "hour", hour.T, time.Hour)); diff != "" {
						t.Errorf("hour aggregate (-want +got):\n%s", diff)
					}
					// Late readings are kept raw whatever their age, until
					// the next Prune; duplicates are skipped.
					if after, _ := db.CountReadings(ctx, ""); after != before+tc.wantRaw {
						t.Errorf("%d raw rows, want %d", after, before+tc.wantRaw)
					}
				})
			}
		})
	}
}

// TestStore_LateReadingsConcurrent appends late and on-time batches while
// Downsample runs, then checks every minute and hour against the raw rows:
// no reading may slip between a batch and a run. The losses it looks for are
// races, so a broken lock shows up often rather than always.
func TestStore_LateReadingsConcurrent(t *testing.T) {
	for name, dsn := range dsns(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpen(t, dsn)
			t0 := time.Date(2024, 6, 10, 10, 0, 0, 0, time.UTC)
			if err := db.Downsample(ctx, t0); err != nil {
				t.Fatal(err)
			}
			var appenders, downsampler sync.WaitGroup
			done := make(chan struct{})
			errc := make(chan error, 5)
			for w := range 4 {
				appenders.Go(func() {
					for b := range 40 {
						var rs []sensing.Reading
						for i := range 30 { // from 3 hours late to 5 hours ahead
							ts := t0.Add(-3*time.Hour + time.Duration(rand.IntN(8*3600))*time.Second)
							rs = append(rs, sensing.Reading{Device: fmt.Sprintf("d%d", (w+i+b)%7), TS: ts, Values: map[string]float64{"noise_db": float64(rand.IntN(100))}})
						}
						if err := db.AppendReadings(ctx, rs); err != nil {
							errc <- err
							return
						}
					}
				})
			}
			downsampler.Go(func() {
				for end := t0; ; end = end.Add(time.Duration(rand.IntN(40)) * time.Minute) {
					select {
					case <-done:
						return
					default:
					}
					if err := db.Downsample(ctx, end); err != nil {
						errc <- err
						return
					}
				}
			})
			appenders.Wait()
			close(done)
			downsampler.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			if err := db.Downsample(ctx, t0.Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`SELECT COUNT(*) FROM (SELECT device_id, metric, (ts / 60000000) * 60000000 AS b, COUNT(*) AS n, SUM(value) AS s
FROM sensing_readings GROUP BY device_id, metric, ts / 60000000) r
LEFT JOIN sensing_aggregates a ON a.device_id = r.device_id AND a.metric = r.metric AND a.res = 'minute' AND a.bucket = r.b
WHERE a.n IS NULL OR a.n <> r.n OR a.total <> r.s`,
				`SELECT COUNT(*) FROM (SELECT device_id, metric, (ts / 3600000000) * 3600000000 AS b, COUNT(*) AS n, SUM(value) AS s
FROM sensing_readings GROUP BY device_id, metric, ts / 3600000000) r
LEFT JOIN sensing_aggregates a ON a.device_id = r.device_id AND a.metric = r.metric AND a.res = 'hour' AND a.bucket = r.b
WHERE a.n IS NULL OR a.n <> r.n OR a.total <> r.s`,
			} {
				var wrong int
				if err := db.r.QueryRow(q).Scan(&wrong); err != nil {
					t.Fatal(err)
				}
				if wrong != 0 {
					t.Errorf("%d aggregates disagree with the raw rows:\n%s", wrong, q)
				}
			}
			if n := countDirty(t, db); n != 0 {
				t.Errorf("%d late minutes left", n)
			}
		})
	}
}

func countDirty(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM sensing_dirty_buckets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func series(t *testing.T, db *DB, device, res string, from time.Time, d time.Duration) []sensing.SeriesPoint {
	t.Helper()
	ps, err := db.Series(context.Background(), sensing.SeriesQuery{Device: device, Metric: "noise_db", Res: res, From: from, To: from.Add(d)})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// BenchmarkAppendReadings stores batches of 500 readings (50 devices, 10
// minutes each), on time or 3 hours late; a late batch also records its 500
// minutes for Downsample, which is the worst case.
func BenchmarkAppendReadings(b *testing.B) {
	base := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	for name, dsn := range dsns(b) {
		db := mustOpen(b, dsn)
		ctx := context.Background()
		if err := db.Downsample(ctx, base); err != nil { // sets the mark late readings are judged by
			b.Fatal(err)
		}
		batch := make([]sensing.Reading, 500)
		for i := range batch {
			batch[i] = sensing.Reading{Device: fmt.Sprintf("b%02d", i%50), Values: map[string]float64{"noise_db": float64(40 + i%10)}}
		}
		for _, late := range []bool{false, true} {
			sub := name + "/on-time"
			if late {
				sub = name + "/late"
			}
			b.Run(sub, func(b *testing.B) {
				k := 0
				for b.Loop() {
					for i := range batch {
						m := time.Duration(k*10+i/50) * time.Minute
						if late {
							batch[i].TS = base.Add(-3*time.Hour - m)
						} else {
							batch[i].TS = base.Add(m)
						}
					}
					if err := db.AppendReadings(ctx, batch); err != nil {
						b.Fatal(err)
					}
					k++
				}
			})
		}
	}
}
