package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// testOneTimeCodes checks the citizens' one-time codes: a code matches
// once, within its time and tries, a new code replaces the old, and
// concurrent checks never take more than the allowed tries.
func testOneTimeCodes(t *testing.T, s Store) {
	ctx := context.Background()
	const (
		ttl      = 5 * time.Minute
		maxTries = 5
	)
	right, wrong, other := []byte("hash-right"), []byte("hash-wrong"), []byte("hash-other")
	// A step either puts hash (put) or checks it; at is after t0.
	type step struct {
		put       bool
		hash      []byte
		at        time.Duration
		wantOK    bool
		wantTries int
	}
	put := func(h []byte, at time.Duration) step { return step{put: true, hash: h, at: at} }
	check := func(h []byte, at time.Duration, ok bool, tries int) step {
		return step{hash: h, at: at, wantOK: ok, wantTries: tries}
	}
	wrongs := func(n int, at time.Duration) []step {
		var out []step
		for i := 1; i <= n; i++ {
			out = append(out, check(wrong, at, false, i))
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"the right code works once", []step{
			put(right, 0), check(right, time.Minute, true, 1), check(right, time.Minute, false, 0)}},
		{"no code was issued", []step{check(right, 0, false, 0)}},
		{"a wrong code counts a try", slices.Concat(
			[]step{put(right, 0)}, wrongs(2, time.Minute), []step{check(right, time.Minute, true, 3)})},
		{"the last try may be the right one", slices.Concat(
			[]step{put(right, 0)}, wrongs(maxTries-1, time.Minute), []step{check(right, time.Minute, true, maxTries)})},
		{"after max tries even the right code fails", slices.Concat(
			[]step{put(right, 0)}, wrongs(maxTries, time.Minute), []step{check(right, time.Minute, false, 0)})},
		{"just before expiry", []step{put(right, 0), check(right, ttl-time.Microsecond, true, 1)}},
		{"expired at its time", []step{put(right, 0), check(right, ttl, false, 0)}},
		{"expired later", []step{put(right, 0), check(right, time.Hour, false, 0), check(right, 0, false, 0)}},
		{"asking again replaces the code and its tries", slices.Concat(
			[]step{put(other, 0)}, wrongs(maxTries-1, time.Minute),
			[]step{put(right, 2*time.Minute), check(other, 2*time.Minute, false, 1), check(right, 2*time.Minute, true, 2)})},
		{"asking again extends the time", []step{
			put(right, 0), put(right, 4*time.Minute), check(right, ttl+time.Minute, true, 1)}},
		{"asking again after the tries ran out", slices.Concat(
			[]step{put(right, 0)}, wrongs(maxTries, time.Minute),
			[]step{put(right, 2*time.Minute), check(right, 2*time.Minute, true, 1)})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "phone-" + tc.name
			for i, st := range tc.steps {
				at := t0.Add(st.at)
				if st.put {
					if err := s.PutOneTimeCode(ctx, key, st.hash, at, at.Add(ttl)); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					continue
				}
				ok, tries, err := s.CheckOneTimeCode(ctx, key, st.hash, at, maxTries)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if ok != st.wantOK || tries != st.wantTries {
					t.Fatalf("step %d: CheckOneTimeCode(%s at +%s) = %v, %d tries; want %v, %d",
						i, st.hash, st.at, ok, tries, st.wantOK, st.wantTries)
				}
			}
		})
	}

	t.Run("keys are independent", func(t *testing.T) {
		for _, k := range []string{"key-a", "key-b"} {
			if err := s.PutOneTimeCode(ctx, k, []byte("hash-"+k), t0, t0.Add(ttl)); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _, _ := s.CheckOneTimeCode(ctx, "key-a", []byte("hash-key-b"), t0, maxTries); ok {
			t.Error("key-b's code matched key-a")
		}
		if ok, tries, err := s.CheckOneTimeCode(ctx, "key-b", []byte("hash-key-b"), t0, maxTries); err != nil || !ok || tries != 1 {
			t.Errorf("key-b after a wrong try on key-a: %v, %d, %v", ok, tries, err)
		}
	})

	t.Run("a put sweeps expired codes", func(t *testing.T) {
		if err := s.PutOneTimeCode(ctx, "sweep-old", right, t0, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutOneTimeCode(ctx, "sweep-new", right, t0.Add(2*time.Minute), t0.Add(7*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// Checked as if it were t0 again, the old code would still be live had the put kept it.
		if ok, tries, err := s.CheckOneTimeCode(ctx, "sweep-old", right, t0, maxTries); err != nil || ok || tries != 0 {
			t.Errorf("the expired code survived a put: %v, %d, %v", ok, tries, err)
		}
	})

	// Ten nodes check at once: between them they take maxTries tries, each
	// numbered once, and the right code matches once.
	race := func(t *testing.T, key string, hash []byte) (oks int, tries []int) {
		t.Helper()
		var wg sync.WaitGroup
		type result struct {
			ok    bool
			tries int
			err   error
		}
		res := make([]result, 10)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &res[i]
				r.ok, r.tries, r.err = s.CheckOneTimeCode(ctx, key, hash, t0.Add(time.Minute), maxTries)
			}()
		}
		wg.Wait()
		for _, r := range res {
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.ok {
				oks++
			}
			if r.tries > 0 {
				tries = append(tries, r.tries)
			}
		}
		slices.Sort(tries)
		return oks, tries
	}
	t.Run("concurrent wrong codes", func(t *testing.T) {
		if err := s.PutOneTimeCode(ctx, "race-wrong", right, t0, t0.Add(ttl)); err != nil {
			t.Fatal(err)
		}
		oks, tries := race(t, "race-wrong", wrong)
		if want := []int{1, 2, 3, 4, 5}; oks != 0 || fmt.Sprint(tries) != fmt.Sprint(want) {
			t.Errorf("10 concurrent wrong checks: %d matched, tries %v; want 0 and %v", oks, tries, want)
		}
		if ok, _, err := s.CheckOneTimeCode(ctx, "race-wrong", right, t0.Add(time.Minute), maxTries); err != nil || ok {
			t.Errorf("the right code after the race: %v, %v; want no match", ok, err)
		}
	})
	t.Run("concurrent right codes", func(t *testing.T) {
		if err := s.PutOneTimeCode(ctx, "race-right", right, t0, t0.Add(ttl)); err != nil {
			t.Fatal(err)
		}
		if oks, tries := race(t, "race-right", right); oks != 1 || fmt.Sprint(tries) != "[1]" {
			t.Errorf("10 concurrent right checks: %d matched, tries %v; want 1 and [1]", oks, tries)
		}
	})
}
