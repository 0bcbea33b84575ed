package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"cityloop/internal/blob"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/store/sqlkit"
)

// PhotoMeta describes an uploaded photo; the bytes live in the blob store
// under the same content-hash id.
type PhotoMeta struct {
	ID         string    `json:"id"` // SHA-256 of the content, hex
	MIME       string    `json:"mime"`
	Size       int64     `json:"size"`
	Width      int       `json:"width,omitempty"`  // 0 when unknown
	Height     int       `json:"height,omitempty"` // 0 when unknown
	UploadedBy string    `json:"uploaded_by"`
	At         time.Time `json:"at"`
}

func nullInt(v int) any {
	if v == 0 {
		return nil
	}
	return int64(v)
}

// SavePhoto records a photo. Saving the same id again is a no-op: the
// content, and so the first record, is the same.
func (db *DB) SavePhoto(ctx context.Context, p PhotoMeta) error {
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := db.txExec(ctx, tx, `INSERT INTO photos (id, mime, size, width, height, uploaded_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO NOTHING`, p.ID, p.MIME, p.Size, nullInt(p.Width), nullInt(p.Height), p.UploadedBy, sqlkit.Micros(p.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("save photo %s: %w", p.ID, db.norm(err))
	}
	return nil
}

// RecordPhoto is SavePhoto in the shape the api package asks for.
func (db *DB) RecordPhoto(ctx context.Context, id, mime string, size int, by string, at time.Time) error {
	return db.SavePhoto(ctx, PhotoMeta{ID: id, MIME: mime, Size: int64(size), UploadedBy: by, At: at})
}

// FindPhoto returns a photo's record, or NotFound.
func (db *DB) FindPhoto(ctx context.Context, id string) (*PhotoMeta, error) {
	var (
		p             PhotoMeta
		width, height sql.Null[int64]
		at            int64
	)
	err := db.queryRow(ctx, `SELECT id, mime, size, width, height, uploaded_by, at FROM photos WHERE id = $1`, id).
		Scan(&p.ID, &p.MIME, &p.Size, &width, &height, &p.UploadedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("photo %s does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find photo %s: %w", id, db.norm(err))
	}
	p.Width, p.Height, p.At = int(width.V), int(height.V), sqlkit.Time(at)
	return &p, nil
}

// MissingPhotos returns the ids that have no photo record, in the order given
// (each once). A case may only cite photos that were uploaded.
func (db *DB) MissingPhotos(ctx context.Context, ids []string) ([]string, error) {
	missing := []string{}
	if len(ids) == 0 {
		return missing, nil
	}
	uniq := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	found := map[string]bool{}
	// Chunks keep the parameter count small whatever the caller passes.
	for start := 0; start < len(uniq); start += 500 {
		chunk := uniq[start:min(start+500, len(uniq))]
		w := &where{}
		w.in("id", chunk)
		rows, err := db.query(ctx, "SELECT id FROM photos"+w.String(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("check photos: %w", db.norm(err))
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("check photos: %w", db.norm(err))
			}
			found[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("check photos: %w", db.norm(err))
		}
	}
	for _, id := range uniq {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// maxPhotoUses bounds the cases FindPhotoUses reports for one photo.
const maxPhotoUses = 100

// FindPhotoUses lists the cases whose own photo lists cite a photo (report,
// verification and disposal photos), each with whether the photo came with
// the report itself (the report event) or from staff later. The photo
// server asks it to apply the disclosure policy; an id no case lists gives
// an empty list. Check photos are only in the events: see
// [DB.FindPhotoEventUses].
//
// Photo ids are content hashes kept inside JSON arrays, so the lookup
// scans the cases. The id is validated first, so the LIKE pattern holds no
// wildcard of the caller's.
func (db *DB) FindPhotoUses(ctx context.Context, id string) ([]disclose.PhotoUse, error) {
	uses := []disclose.PhotoUse{}
	if !blob.ValidID(id) {
		return uses, nil
	}
	rows, err := db.query(ctx, `SELECT c.id, c.status, c.source,
COALESCE((SELECT e.photos FROM case_events e WHERE e.case_id = c.id AND e.action = 'report' ORDER BY e.seq LIMIT 1), 'null')
FROM cases c WHERE c.photos LIKE $1 OR c.after_photos LIKE $1 LIMIT $2`, `%"`+id+`"%`, int64(maxPhotoUses))
	if err != nil {
		return nil, fmt.Errorf("find uses of photo %s: %w", id, db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var u disclose.PhotoUse
		var reported string
		if err := rows.Scan(&u.CaseID, &u.Status, &u.Source, &reported); err != nil {
			return nil, fmt.Errorf("find uses of photo %s: %w", id, db.norm(err))
		}
		var ids []string
		_ = json.Unmarshal([]byte(reported), &ids)
		u.Reporter = slices.Contains(ids, id)
		uses = append(uses, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find uses of photo %s: %w", id, db.norm(err))
	}
	return uses, nil
}

// FindPhotoEventUses lists the cases whose timeline events cite a photo
// (every use, including check photos that no case list keeps); none is the
// reporter's as far as this lookup says. It scans the events, so the photo
// server calls it only for a signed-in caller when FindPhotoUses found
// nothing, never for an anonymous one.
func (db *DB) FindPhotoEventUses(ctx context.Context, id string) ([]disclose.PhotoUse, error) {
	uses := []disclose.PhotoUse{}
	if !blob.ValidID(id) {
		return uses, nil
	}
	rows, err := db.query(ctx, `SELECT DISTINCT c.id, c.status, c.source FROM case_events e JOIN cases c ON c.id = e.case_id
WHERE e.photos LIKE $1 LIMIT $2`, `%"`+id+`"%`, int64(maxPhotoUses))
	if err != nil {
		return nil, fmt.Errorf("find events citing photo %s: %w", id, db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var u disclose.PhotoUse
		if err := rows.Scan(&u.CaseID, &u.Status, &u.Source); err != nil {
			return nil, fmt.Errorf("find events citing photo %s: %w", id, db.norm(err))
		}
		uses = append(uses, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find events citing photo %s: %w", id, db.norm(err))
	}
	return uses, nil
}

// PhotoUploader returns the account that first uploaded a photo, or NotFound.
func (db *DB) PhotoUploader(ctx context.Context, id string) (string, error) {
	p, err := db.FindPhoto(ctx, id)
	if err != nil {
		return "", err
	}
	return p.UploadedBy, nil
}
