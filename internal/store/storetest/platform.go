package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/casework"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/store/sqlstore"
)

func testDictEdits(t *testing.T, s Store) {
	ctx := context.Background()
	if list, err := s.DictEdits(ctx); err != nil || len(list) != 0 {
		t.Fatalf("DictEdits of an empty store = %v, %v", list, err)
	}
	want := []sqlstore.DictEdit{
		{Kind: "subclass", Key: "event:0501", Body: []byte(`{"name":"机动车乱停放","limit":{"amount":2,"unit":"working_hours"}}`), Actor: "acc-admin", At: t0},
		{Kind: "department", Key: "dept-water", Body: []byte(`{"name":"水务集团"}`), Actor: "acc-admin", At: t0.Add(time.Minute)},
		// Same instant, later append: order is the append order, not the time.
		{Kind: "subclass", Key: "event:0501", Body: []byte(`{"name":"乱停放"}`), Actor: "acc-other", At: t0.Add(time.Minute)},
		{Kind: "rule_delete", Key: "rule-7", Body: []byte(`null`), Actor: "acc-admin", At: t0},
	}
	for _, e := range want {
		if err := s.AppendDictEdit(ctx, e.Kind, e.Key, e.Body, e.Actor, e.At); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DictEdits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if i > 0 && got[i].Seq <= got[i-1].Seq {
			t.Errorf("seq %d after %d: not increasing", got[i].Seq, got[i-1].Seq)
		}
		if i < len(want) {
			want[i].Seq = got[i].Seq
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DictEdits (-appended +read):\n%s", d)
	}
	err = s.AppendDictEdit(ctx, "subclass", "event:0501", []byte(`{"name":`), "acc-admin", t0)
	wantKind(t, "AppendDictEdit(bad JSON)", err, errs.KindInvalid)
}

func testPhotos(t *testing.T, s Store) {
	ctx := context.Background()
	p1 := sqlstore.PhotoMeta{ID: fmt.Sprintf("%064x", 1), MIME: "image/jpeg", Size: 123456, UploadedBy: "acc-1", At: t0}
	p2 := sqlstore.PhotoMeta{ID: fmt.Sprintf("%064x", 2), MIME: "image/png", Size: 99, Width: 640, Height: 480, UploadedBy: "acc-2", At: t0.Add(time.Minute)}
	for _, p := range []sqlstore.PhotoMeta{p1, p2} {
		if err := s.SavePhoto(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// The same content again, from someone else: no error, first record kept.
	again := p1
	again.UploadedBy, again.At = "acc-3", t0.Add(time.Hour)
	if err := s.SavePhoto(ctx, again); err != nil {
		t.Fatalf("SavePhoto(same id): %v", err)
	}
	for _, want := range []sqlstore.PhotoMeta{p1, p2} {
		got, err := s.FindPhoto(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(&want, got); d != "" {
			t.Errorf("FindPhoto (-saved +found):\n%s", d)
		}
	}
	_, err := s.FindPhoto(ctx, "nope")
	wantKind(t, "FindPhoto(missing)", err, errs.KindNotFound)

	for _, tc := range []struct {
		ids, want []string
	}{
		{nil, []string{}},
		{[]string{p1.ID, p2.ID}, []string{}},
		{[]string{"x", p1.ID, "y", "x", p2.ID}, []string{"x", "y"}},
	} {
		got, err := s.MissingPhotos(ctx, tc.ids)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("MissingPhotos(%v) missing (-want +got):\n%s", tc.ids, d)
		}
	}
}

func testPhotoUses(t *testing.T, s Store) {
	ctx := context.Background()
	id := func(n int) string { return fmt.Sprintf("%064x", 0xfeed0000+n) }
	c := newCase(t0)
	c.Source, c.Status = casework.SourceCitizen, casework.StatusPendingCheck
	c.Photos, c.AfterPhotos = []string{id(1), id(2)}, []string{id(3)}
	evs := []casework.Event{
		{Action: casework.ActReport, To: casework.StatusPendingAccept, At: t0, Photos: []string{id(1)}},
		{Action: casework.ActVerify, To: casework.StatusPendingFile, At: t0.Add(time.Minute), Photos: []string{id(2)}},
		{Action: casework.ActDispose, To: casework.StatusPendingCheck, At: t0.Add(2 * time.Minute), Photos: []string{id(3)}},
		{Action: casework.ActCheck, To: casework.StatusPendingCheck, At: t0.Add(3 * time.Minute), Photos: []string{id(4)}},
	}
	if err := s.CreateCase(ctx, c, evs); err != nil {
		t.Fatal(err)
	}
	use := func(reporter bool) []disclose.PhotoUse {
		return []disclose.PhotoUse{{CaseID: c.ID, Status: casework.StatusPendingCheck, Source: casework.SourceCitizen, Reporter: reporter}}
	}
	none := []disclose.PhotoUse{}
	for _, tc := range []struct {
		name, id   string
		cases, evs []disclose.PhotoUse
	}{
		{"the reporter's photo", id(1), use(true), use(false)},
		{"a verification photo", id(2), use(false), use(false)},
		{"a disposal photo", id(3), use(false), use(false)},
		{"a check photo, only in the events", id(4), none, use(false)},
		{"a photo no case cites", id(5), none, none},
		{"a malformed id", "%", none, none},
	} {
		got, err := s.FindPhotoUses(ctx, tc.id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d := cmp.Diff(tc.cases, got); d != "" {
			t.Errorf("%s: FindPhotoUses (-want +got):\n%s", tc.name, d)
		}
		got, err = s.FindPhotoEventUses(ctx, tc.id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d := cmp.Diff(tc.evs, got); d != "" {
			t.Errorf("%s: FindPhotoEventUses (-want +got):\n%s", tc.name, d)
		}
	}
}
