package bulletinstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"cityloop/internal/bulletin"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/store/bulletinstore"
	"cityloop/internal/store/sqlkit/sqlkittest"
)

// dialects lists how each test gets a fresh database of each dialect; the
// same contract runs on both.
var dialects = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return sqlkittest.SQLiteDSN(t, "bulletins.db") }},
	{"postgres", func(t *testing.T) string { return sqlkittest.PostgresDSN(t, "cl_bulletins", "the bulletin store") }},
}

func mustOpen(t *testing.T, dsn string) *bulletinstore.DB {
	t.Helper()
	db, err := bulletinstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func month(y int, m time.Month) (time.Time, time.Time) {
	loc := time.FixedZone("CST", 8*3600)
	f := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	return f.UTC(), f.AddDate(0, 1, 0).UTC()
}

func files(tag string) bulletin.Files {
	return bulletin.Files{HTML: []byte("<p>" + tag + "</p>"), PDF: []byte("%PDF-" + tag), XLSX: []byte("PK" + tag)}
}

func TestContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpen(t, d.dsn(t))
			jan, feb := month(2026, 1)
			_, mar := month(2026, 2)
			city := &bulletin.Bulletin{ID: "b1", Kind: bulletin.Month, Scope: "320100", ScopeLevel: org.LevelCity, ScopeName: "示范市",
				From: jan, To: feb, Title: "2026年1月城市管理考核通报", Scheme: "jn_table", CreatedAt: feb.Add(time.Hour), CreatedBy: "system"}
			dist := &bulletin.Bulletin{ID: "b2", Kind: bulletin.Month, Scope: "320101", ScopeLevel: org.LevelDistrict, ScopeName: "一区",
				From: jan, To: feb, Title: "一区 2026年1月", Scheme: "jn_table", CreatedAt: feb.Add(time.Hour), CreatedBy: "system"}
			next := &bulletin.Bulletin{ID: "b3", Kind: bulletin.Month, Scope: "320100", ScopeLevel: org.LevelCity, ScopeName: "示范市",
				From: feb, To: mar, Title: "2026年2月", Scheme: "jn_table", CreatedAt: mar, CreatedBy: "system"}
			for _, b := range []*bulletin.Bulletin{city, dist, next} {
				if err := db.SaveBulletin(ctx, b, files(b.ID)); err != nil {
					t.Fatal(err)
				}
			}
			t.Run("list newest first, city first", func(t *testing.T) {
				got, err := db.FindBulletins(ctx, "", 10)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, b := range got {
					ids = append(ids, b.ID)
				}
				if len(ids) != 3 || ids[0] != "b3" || ids[1] != "b1" || ids[2] != "b2" {
					t.Errorf("order %v", ids)
				}
				if q, _ := db.FindBulletins(ctx, bulletin.Quarter, 10); len(q) != 0 {
					t.Errorf("kind filter: %d quarterly", len(q))
				}
			})
			t.Run("round trip", func(t *testing.T) {
				b, err := db.FindBulletinByID(ctx, "b2")
				if err != nil {
					t.Fatal(err)
				}
				if !b.From.Equal(jan) || !b.To.Equal(feb) || b.ScopeLevel != org.LevelDistrict || b.ScopeName != "一区" || b.Title != dist.Title {
					t.Errorf("stored %+v", b)
				}
				for _, f := range []bulletin.Format{bulletin.HTML, bulletin.PDF, bulletin.XLSX} {
					data, err := db.BulletinFile(ctx, "b2", f)
					if err != nil || !bytes.Equal(data, files("b2").Get(f)) {
						t.Errorf("%s: %q %v", f, data, err)
					}
				}
			})
			t.Run("a bulletin without a PDF (no Chinese font)", func(t *testing.T) {
				nofont := *city
				nofont.ID, nofont.Kind = "b7", bulletin.Year
				f := files("b7")
				f.PDF = nil
				if err := db.SaveBulletin(ctx, &nofont, f); err != nil {
					t.Fatal(err)
				}
				if data, err := db.BulletinFile(ctx, "b7", bulletin.PDF); err != nil || len(data) != 0 {
					t.Errorf("pdf: %q %v, want empty", data, err)
				}
				if data, err := db.BulletinFile(ctx, "b7", bulletin.HTML); err != nil || !bytes.Equal(data, f.HTML) {
					t.Errorf("html: %q %v", data, err)
				}
			})
			t.Run("saving again replaces and keeps the id", func(t *testing.T) {
				again := *city
				again.ID, again.Title = "b9", "重新生成"
				if err := db.SaveBulletin(ctx, &again, files("again")); err != nil {
					t.Fatal(err)
				}
				if again.ID != "b1" {
					t.Errorf("id %s, want the replaced b1", again.ID)
				}
				got, _ := db.FindBulletins(ctx, bulletin.Month, 10)
				if len(got) != 3 {
					t.Errorf("%d bulletins after a replacement", len(got))
				}
				data, _ := db.BulletinFile(ctx, "b1", bulletin.PDF)
				if string(data) != "%PDF-again" {
					t.Errorf("pdf %q", data)
				}
			})
			t.Run("missing and incomplete", func(t *testing.T) {
				if _, err := db.FindBulletinByID(ctx, "nope"); errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("find: %v", err)
				}
				if _, err := db.BulletinFile(ctx, "nope", bulletin.PDF); errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("file: %v", err)
				}
				bad := *city
				bad.ID = "b7"
				if err := db.SaveBulletin(ctx, &bad, bulletin.Files{HTML: []byte("x")}); errs.KindOf(err) != errs.KindInvalid {
					t.Errorf("incomplete files accepted: %v", err)
				}
			})
		})
	}
}
