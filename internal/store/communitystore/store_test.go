package communitystore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/merchant"
	"cityloop/internal/pii"
	"cityloop/internal/store/communitystore"
	"cityloop/internal/store/sqlkit/sqlkittest"
)

// dialects lists how each test gets a fresh database of each dialect; the
// same contract runs on both.
var dialects = []struct {
	name string
	dsn  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return sqlkittest.SQLiteDSN(t, "community.db") }},
	{"postgres", func(t testing.TB) string { return sqlkittest.PostgresDSN(t, "cl_community", "the community store") }},
}

func mustOpen(t testing.TB, dsn string) *communitystore.DB {
	t.Helper()
	db, err := communitystore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	spec := "k1:" + pii.NewKey()
	k, err := pii.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(k)
	keySpecs[db] = spec
	return db
}

// keySpecs remembers each test store's first key, to rotate it.
var keySpecs = map[*communitystore.DB]string{}

func oldKey(t *testing.T, db *communitystore.DB) string {
	t.Helper()
	return strings.TrimPrefix(keySpecs[db], "k1:")
}

// shop is a merchant at (lng, lat) with a 0.0002° square zone around it.
func shop(i int, district string, lng, lat float64) *merchant.Merchant {
	code, _ := merchant.MakeUSCC(fmt.Sprintf("9232010%010d", i))
	d := 0.0001
	ring := geo.Ring{{Lng: lng - d, Lat: lat - d}, {Lng: lng + d, Lat: lat - d}, {Lng: lng + d, Lat: lat + d}, {Lng: lng - d, Lat: lat + d}, {Lng: lng - d, Lat: lat - d}}
	return &merchant.Merchant{ID: fmt.Sprintf("m%d", i), Name: fmt.Sprintf("第%d号小吃店", i), USCC: code, Trade: "餐饮",
		Address: fmt.Sprintf("中山路%d号", i), Point: geo.Point{Lng: lng, Lat: lat}, District: district, Street: district + "01", Grid: district + "0101",
		Contact: &merchant.Contact{Person: "王店长", Phone: fmt.Sprintf("1390000%04d", i)}, Zone: geo.MultiPolygon{{ring}},
		SignedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
}

func TestContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := d.dsn(t)
			db := mustOpen(t, dsn)
			ms := []*merchant.Merchant{shop(1, "320101", 118.7800, 32.0400), shop(2, "320101", 118.7810, 32.0400), shop(3, "320102", 118.8000, 32.0500)}
			if err := db.CreateMerchants(ctx, ms); err != nil {
				t.Fatal(err)
			}

			t.Run("a code registered twice is a conflict and nothing is written", func(t *testing.T) {
				dup := shop(4, "320101", 118.79, 32.04)
				dup.USCC = ms[0].USCC
				err := db.CreateMerchants(ctx, []*merchant.Merchant{shop(5, "320101", 118.79, 32.04), dup})
				if !errs.Is(err, errs.KindConflict) {
					t.Fatalf("want conflict, got %v", err)
				}
				if _, err := db.FindMerchantByID(ctx, "m5", 2026); !errs.Is(err, errs.KindNotFound) {
					t.Fatalf("m5 written with a failed batch: %v", err)
				}
			})

			t.Run("contacts are sealed at rest and opened for one merchant", func(t *testing.T) {
				raw := rawContact(t, dsn, "m1")
				if strings.Contains(raw, "13900000001") || strings.Contains(raw, "王") || !strings.HasPrefix(raw, "v1:") {
					t.Fatalf("stored contact %q", raw)
				}
				m, err := db.FindMerchantByID(ctx, "m1", 2026)
				if err != nil {
					t.Fatal(err)
				}
				if m.Contact == nil || m.Contact.Phone != "13900000001" || m.Name != "第1号小吃店" || len(m.Zone) != 1 || !m.Zone.Contains(m.Point) {
					t.Fatalf("%+v", m)
				}
				list, _, err := db.FindMerchants(ctx, merchant.Filter{Year: 2026, Limit: 10})
				if err != nil || len(list) != 3 || list[0].Contact != nil {
					t.Fatalf("a list never opens contacts: %v %+v", err, list)
				}
			})

			jan := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
			vs := []merchant.Violation{
				{MerchantID: "m1", CaseID: "c1", CaseCode: "C1", Category: "event:0504", Duty: merchant.DutyOrder, Points: 50, At: jan, Year: 2026},
				{MerchantID: "m1", CaseID: "c2", CaseCode: "C2", Category: "event:0102", Duty: merchant.DutySanitation, Points: 20, At: jan.Add(time.Hour), Year: 2026},
				{MerchantID: "m2", CaseID: "c3", CaseCode: "C3", Category: "event:0504", Duty: merchant.DutyOrder, Points: 50, At: jan, Year: 2025},
			}
			t.Run("violations are recorded once", func(t *testing.T) {
				n, err := db.RecordViolations(ctx, vs)
				if err != nil || n != 3 {
					t.Fatalf("%d %v", n, err)
				}
				if n, err := db.RecordViolations(ctx, vs[:2]); err != nil || n != 0 {
					t.Fatalf("again: %d %v", n, err)
				}
				got, err := db.FindViolations(ctx, "m1", 2026)
				if err != nil || len(got) != 2 || got[0].CaseID != "c2" || got[1].Points != 50 || !got[1].At.Equal(jan) || got[1].Duty != merchant.DutyOrder {
					t.Fatalf("%v %+v", err, got)
				}
			})

			seventy, sixty := 70, 60
			for _, tc := range []struct {
				name  string
				f     merchant.Filter
				ids   string
				total int
			}{
				{"all, this year's tally", merchant.Filter{Year: 2026}, "m1 m2 m3", 3},
				{"district", merchant.Filter{Year: 2026, District: "320102"}, "m3", 1},
				{"street", merchant.Filter{Year: 2026, District: "32010101"}, "m1 m2", 2},
				{"name", merchant.Filter{Year: 2026, Query: "第2号"}, "m2", 1},
				{"code", merchant.Filter{Year: 2026, Query: ms[2].USCC}, "m3", 1},
				{"a % is a character, not a wildcard", merchant.Filter{Year: 2026, Query: "%"}, "", 0},
				{"deducted at least 70", merchant.Filter{Year: 2026, MinDeducted: &seventy}, "m1", 1},
				{"deducted at most 60", merchant.Filter{Year: 2026, MaxDeducted: &sixty}, "m2 m3", 2},
				{"last year's tally", merchant.Filter{Year: 2025, MinDeducted: &sixty}, "", 0},
				{"page", merchant.Filter{Year: 2026, Limit: 1, Offset: 1}, "m2", 3},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if tc.f.Limit == 0 {
						tc.f.Limit = 50
					}
					list, total, err := db.FindMerchants(ctx, tc.f)
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, m := range list {
						ids = append(ids, m.ID)
					}
					if strings.Join(ids, " ") != tc.ids || total != tc.total {
						t.Fatalf("got %v (total %d), want %s (total %d)", ids, total, tc.ids, tc.total)
					}
				})
			}
			t.Run("tally of one", func(t *testing.T) {
				m, err := db.FindMerchantByID(ctx, "m1", 2026)
				if err != nil || m.Credit.Deducted != 70 || m.Credit.Violations != 2 {
					t.Fatalf("%v %+v", err, m.Credit)
				}
			})
			t.Run("box", func(t *testing.T) {
				got, err := db.FindMerchantsInBox(ctx, geo.Bounds{MinLng: 118.7805, MinLat: 32.0399, MaxLng: 118.7812, MaxLat: 32.0401})
				if err != nil || len(got) != 1 || got[0].ID != "m2" {
					t.Fatalf("%v %+v", err, got)
				}
			})
			t.Run("contacts re-sealed under a new current key", func(t *testing.T) {
				old := rawContact(t, dsn, "m1")
				k, err := pii.ParseKeyring("k2:" + pii.NewKey() + "," + "k1:" + oldKey(t, db))
				if err != nil {
					t.Fatal(err)
				}
				db.SetKeyring(k)
				n, err := db.ResealPII(ctx)
				if err != nil || n != 3 {
					t.Fatalf("resealed %d: %v", n, err)
				}
				if now := rawContact(t, dsn, "m1"); now == old || !strings.HasPrefix(now, "v1:k2:") {
					t.Fatalf("stored %q", now)
				}
				if m, err := db.FindMerchantByID(ctx, "m1", 2026); err != nil || m.Contact.Phone != "13900000001" {
					t.Fatalf("%v %+v", err, m)
				}
				if n, err := db.ResealPII(ctx); err != nil || n != 0 {
					t.Fatalf("again: %d %v", n, err)
				}
			})
			t.Run("cursor", func(t *testing.T) {
				if at, err := db.LinkCursor(ctx); err != nil || !at.IsZero() {
					t.Fatalf("%v %v", at, err)
				}
				for _, at := range []time.Time{jan, jan.Add(time.Hour)} {
					if err := db.SetLinkCursor(ctx, at); err != nil {
						t.Fatal(err)
					}
					if got, err := db.LinkCursor(ctx); err != nil || !got.Equal(at) {
						t.Fatalf("%v %v", got, err)
					}
				}
			})
		})
	}
}

// rawContact reads the stored contact column as the database holds it.
func rawContact(t *testing.T, dsn, id string) string {
	t.Helper()
	db, err := communitystore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := communitystore.RawRow(db, `SELECT contact_sealed FROM merchants WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
