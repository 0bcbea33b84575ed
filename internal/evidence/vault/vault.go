package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
	"cityloop/internal/org"
	"cityloop/internal/photo"
	"cityloop/internal/pii"
)

// Config sets up a vault.
type Config struct {
	Dir      string // root: uploads/ and content/ are made under it
	BasePath string // the URL path of uploads, e.g. /api/v1/enforcement/evidence/uploads/
	Limits   evidence.Limits
	// Loc is the zone of a camera clock that records no offset.
	Loc   *time.Location
	NewID func() string // UUIDv7
	Log   *slog.Logger
	// Keys seal the file name and note in the upload's .info file while
	// it is under way (nil: kept as sent), as the store seals them after.
	Keys *pii.Keyring
}

// Vault is the evidence files of one node's data directory.
type Vault struct {
	svc      *evidence.Service
	files    filestore.FileStore
	handler  *tusd.UnroutedHandler
	uploads  string
	content  string
	limits   evidence.Limits
	loc      *time.Location
	newID    func() string
	log      *slog.Logger
	basePath string
	keys     *pii.Keyring
}

// New makes the directories and the tus handler.
func New(cfg Config, svc *evidence.Service) (*Vault, error) {
	v := &Vault{svc: svc, uploads: filepath.Join(cfg.Dir, "uploads"), content: filepath.Join(cfg.Dir, "content"),
		limits: cfg.Limits, loc: cfg.Loc, newID: cfg.NewID, log: cfg.Log, basePath: cfg.BasePath, keys: cfg.Keys}
	if v.loc == nil {
		v.loc = time.UTC
	}
	if v.log == nil {
		v.log = slog.Default()
	}
	for _, d := range []string{v.uploads, v.content} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("evidence vault: %w", err)
		}
	}
	v.files = filestore.New(v.uploads)
	v.files.DirModePerm, v.files.FileModePerm = 0o750, 0o640
	// Core and termination only: no concatenation and no deferred length,
	// so every upload declares its length and is checked at creation.
	composer := tusd.NewStoreComposer()
	composer.UseCore(v.files)
	composer.UseTerminater(v.files)
	filelocker.New(v.uploads).UseIn(composer)
	h, err := tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer: composer, BasePath: cfg.BasePath, MaxSize: cfg.Limits.Max(),
		DisableDownload: true, DisableConcatenation: true,
		// The web console is served from the same origin; no other origin
		// may drive uploads with a bearer token.
		Cors:                      &tusd.CorsConfig{Disable: true},
		PreUploadCreateCallback:   v.beforeCreate,
		PreFinishResponseCallback: v.finish,
		// tusd logs every request at info; ours are in the access log.
		Logger: xslog.New(xslog.NewTextHandler(os.Stderr, &xslog.HandlerOptions{Level: xslog.LevelWarn})),
	})
	if err != nil {
		return nil, fmt.Errorf("evidence vault: tus handler: %w", err)
	}
	v.handler = h
	return v, nil
}

// Uploads is the tus handler whose methods the api routes.
func (v *Vault) Uploads() *tusd.UnroutedHandler { return v.handler }

// uploadID is what a tus upload id of ours looks like (a UUID); anything
// else never reaches the file store, so no path can be smuggled in.
var uploadID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidID reports whether id can name an upload or a piece of evidence.
func ValidID(id string) bool { return uploadID.MatchString(id) }

// FindUpload returns the officer and case of an upload in progress, or of
// a finished one with its recorded item (NotFound when neither): the api
// lets only the uploading officer at an upload.
func (v *Vault) FindUpload(ctx context.Context, id string) (officerID, caseID string, finished *evidence.Item, err error) {
	if !ValidID(id) {
		return "", "", nil, errs.NotFound("没有这个上传 / no such upload")
	}
	up, err := v.files.GetUpload(ctx, id)
	if err == nil {
		info, err := up.GetInfo(ctx)
		if err != nil {
			return "", "", nil, fmt.Errorf("read upload %s: %w", id, err)
		}
		return info.MetaData[evidence.MetaOfficer], info.MetaData[evidence.MetaCase], nil, nil
	}
	if !errors.Is(err, tusd.ErrNotFound) {
		return "", "", nil, fmt.Errorf("read upload %s: %w", id, err)
	}
	it, err := v.svc.Store.FindEvidenceByID(ctx, id)
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return "", "", nil, errs.NotFound("没有这个上传（可能已被取消）/ no such upload (it may have been cancelled)")
		}
		return "", "", nil, err
	}
	return it.OfficerID, it.CaseID, &it, nil
}

// beforeCreate checks a new upload: who, which case, what type, how big.
func (v *Vault) beforeCreate(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	actor, ok := evidence.ActorFrom(hook.Context)
	if !ok {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(errs.Unauthenticated("请先登录 / sign in first"))
	}
	if hook.Upload.SizeIsDeferred {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(errs.Invalid("须用 Upload-Length 声明文件大小 / declare the file's size in Upload-Length"))
	}
	m, err := evidence.ParseMeta(hook.Upload.MetaData)
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(err)
	}
	if err := v.limits.CheckSize(m.Kind, hook.Upload.Size); err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(err)
	}
	if err := v.svc.Access.CaseAccess(hook.Context, actor, m.CaseID); err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(err)
	}
	meta := map[string]string{}
	for k, val := range hook.Upload.MetaData {
		meta[k] = val
	}
	meta[evidence.MetaOfficer] = actor.ID
	meta[evidence.MetaType] = m.MIME
	id := v.newID()
	if err := v.sealMeta(id, meta); err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(err)
	}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{ID: id, MetaData: meta}, nil
}

// personal are the metadata fields that may name a party.
var personal = []string{evidence.MetaName, evidence.MetaNote}

func metaAAD(id, key string) string { return "evidence-upload/" + id + "/" + key }

// sealMeta seals the personal fields in place; openMeta opens them.
func (v *Vault) sealMeta(id string, meta map[string]string) error {
	for _, k := range personal {
		if v.keys == nil || meta[k] == "" {
			continue
		}
		sealed, err := v.keys.Encrypt(meta[k], metaAAD(id, k))
		if err != nil {
			return fmt.Errorf("seal %s of upload %s: %w", k, id, err)
		}
		meta[k] = sealed
	}
	return nil
}

func (v *Vault) openMeta(id string, meta map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(meta))
	for k, val := range meta {
		out[k] = val
	}
	for _, k := range personal {
		if v.keys == nil || !strings.HasPrefix(out[k], "v1:") {
			continue
		}
		plain, err := v.keys.Decrypt(out[k], metaAAD(id, k))
		if err != nil {
			return nil, fmt.Errorf("open %s of upload %s: %w", k, id, err)
		}
		out[k] = plain
	}
	return out, nil
}

// finish runs when the last byte arrived, before tusd answers the PATCH:
// the client hears 204 only once the evidence is recorded.
func (v *Vault) finish(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	id := hook.Upload.ID
	bin := filepath.Join(v.uploads, id)
	it, err := v.keep(hook.Context, id, bin, hook.Upload.MetaData)
	// The tus files go either way: a kept file was moved to content/, a
	// refused one must not linger.
	v.removeUpload(id)
	if err != nil {
		if errs.KindOf(err) == errs.KindInternal {
			v.log.Error("evidence upload could not be recorded", "upload", id, "err", err)
		}
		return tusd.HTTPResponse{}, tusError(err)
	}
	return tusd.HTTPResponse{Header: tusd.HTTPHeader{"Evidence-Id": it.ID, "Evidence-Sha256": it.SHA256,
		"Evidence-Url": "/api/v1/enforcement/evidence/" + it.ID + "/content"}}, nil
}

// keep checks, hashes and moves an upload's file, then records it.
func (v *Vault) keep(ctx context.Context, id, bin string, sealed map[string]string) (evidence.Item, error) {
	meta, err := v.openMeta(id, sealed)
	if err != nil {
		return evidence.Item{}, err
	}
	m, err := evidence.ParseMeta(meta)
	if err != nil {
		return evidence.Item{}, err
	}
	f, err := os.Open(bin)
	if err != nil {
		return evidence.Item{}, fmt.Errorf("open upload %s: %w", id, err)
	}
	defer f.Close()
	head := make([]byte, evidence.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return evidence.Item{}, fmt.Errorf("read upload %s: %w", id, err)
	}
	sniffed := evidence.Sniff(head[:n])
	_, kind, kerr := evidence.KindOf(sniffed)
	if sniffed == "" || kerr != nil || kind != m.Kind {
		what := sniffed
		if what == "" {
			what = "无法识别的内容 / unrecognised content"
		}
		return evidence.Item{}, errs.E(errs.KindUnsupported, "文件声明为 %s，内容却是 %s；只接受照片 (JPEG/PNG/WebP)、视频 (MP4/MOV/AVI/3GP)、录音 (MP3/WAV/M4A/AMR/AAC) 和 PDF / the file was declared %s but holds %s; only photos (JPEG/PNG/WebP), video (MP4/MOV/AVI/3GP), audio (MP3/WAV/M4A/AMR/AAC) and PDF are accepted",
			m.MIME, what, m.MIME, what)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return evidence.Item{}, fmt.Errorf("read upload %s: %w", id, err)
	}
	it := evidence.Item{ID: id, CaseID: m.CaseID, Kind: kind, MIME: sniffed, DeviceID: m.DeviceID, OfficerID: meta[evidence.MetaOfficer],
		Filename: m.Filename, Note: m.Note, CapturedAt: m.CapturedAt, Lng: m.Lng, Lat: m.Lat}
	if it.OfficerID == "" {
		return evidence.Item{}, fmt.Errorf("upload %s has no officer", id)
	}
	if m.CapturedAt != nil || m.Lng != nil {
		it.CaptureSource = "device"
	}
	dst := filepath.Join(v.content, id)
	if kind == evidence.Photo {
		err = v.keepPhoto(f, &it, dst)
	} else {
		err = v.keepFile(f, bin, &it, dst)
	}
	if err != nil {
		return evidence.Item{}, err
	}
	rec, _, err := v.svc.Record(ctx, it)
	if err != nil {
		os.Remove(dst)
		return evidence.Item{}, err
	}
	return rec, nil
}

// keepFile hashes the upload and moves it, unchanged, into content/.
func (v *Vault) keepFile(f *os.File, bin string, it *evidence.Item, dst string) error {
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("hash upload %s: %w", it.ID, err)
	}
	it.Size, it.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	it.StoredSize, it.StoredSHA256 = it.Size, it.SHA256
	if err := os.Rename(bin, dst); err != nil {
		return fmt.Errorf("keep upload %s: %w", it.ID, err)
	}
	return nil
}

// keepPhoto reads a photo's capture time and position from its EXIF block
// first (they take precedence over the device's fields: the camera wrote
// them at the shutter), then keeps the re-encoded photo without it.
func (v *Vault) keepPhoto(f *os.File, it *evidence.Item, dst string) error {
	data, err := io.ReadAll(io.LimitReader(f, v.limits.Photo+1))
	if err != nil {
		return fmt.Errorf("read photo %s: %w", it.ID, err)
	}
	return v.keepPhotoBytes(data, it, dst)
}

// keepPhotoBytes is keepPhoto on bytes in memory.
func (v *Vault) keepPhotoBytes(data []byte, it *evidence.Item, dst string) error {
	sum := sha256.Sum256(data)
	it.Size, it.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
	c := evidence.ReadEXIF(data, v.loc)
	if c.At != nil {
		it.CapturedAt, it.CaptureSource = c.At, "exif"
	}
	if c.Lat != nil {
		it.Lng, it.Lat, it.CaptureSource = c.Lng, c.Lat, "exif"
	}
	clean, mime, err := photo.Sanitize(data, it.MIME)
	if err != nil {
		return err
	}
	sum = sha256.Sum256(clean)
	it.MIME, it.StoredSize, it.StoredSHA256 = mime, int64(len(clean)), hex.EncodeToString(sum[:])
	if err := writeFile(dst, clean); err != nil {
		return fmt.Errorf("keep photo %s: %w", it.ID, err)
	}
	return nil
}

// writeFile writes data durably: a temporary name, fsync, rename.
func writeFile(dst string, data []byte) error {
	tmp := dst + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

func (v *Vault) removeUpload(id string) {
	for _, p := range []string{filepath.Join(v.uploads, id), filepath.Join(v.uploads, id+".info")} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			v.log.Warn("evidence upload left on disk", "path", filepath.Base(p), "err", err)
		}
	}
}

// List returns a case's evidence for actor.
func (v *Vault) List(ctx context.Context, actor org.Actor, caseID string) ([]evidence.Item, error) {
	return v.svc.List(ctx, actor, caseID)
}

// VerifyCase checks a case's chain of custody for actor; with deep it
// also hashes every kept file again and lists those that no longer match
// their recorded SHA-256 (or are gone), so a file changed on disk is found
// as surely as a changed row.
func (v *Vault) VerifyCase(ctx context.Context, actor org.Actor, caseID string, deep bool) (evidence.Report, error) {
	rep, err := v.svc.VerifyCase(ctx, actor, caseID)
	if err != nil || !deep {
		return rep, err
	}
	items, err := v.svc.Store.FindEvidence(ctx, caseID)
	if err != nil {
		return evidence.Report{}, fmt.Errorf("list evidence of case %s: %w", caseID, err)
	}
	for _, it := range items {
		sum, err := hashFile(filepath.Join(v.content, it.ID))
		switch {
		case errors.Is(err, os.ErrNotExist):
			rep.Mismatches = append(rep.Mismatches, evidence.Mismatch{EvidenceID: it.ID, Reason: "the kept file is missing"})
		case err != nil:
			return evidence.Report{}, fmt.Errorf("hash evidence %s: %w", it.ID, err)
		case sum != it.StoredSHA256:
			rep.Mismatches = append(rep.Mismatches, evidence.Mismatch{EvidenceID: it.ID, Reason: "the kept file's SHA-256 differs from the one recorded: the file was changed"})
		}
	}
	rep.Deep = true
	rep.OK = rep.Broken == nil && len(rep.Mismatches) == 0
	return rep, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Open records the release of a piece of evidence to actor (act Viewed or
// Exported) in the chain of custody and then opens its content. The entry
// comes first: a file that cannot be opened afterwards leaves a record of
// the attempt, never an unrecorded read.
func (v *Vault) Open(ctx context.Context, actor org.Actor, id string, act evidence.Action, purpose string) (evidence.Item, *os.File, error) {
	if !ValidID(id) {
		return evidence.Item{}, nil, errs.NotFound("没有编号为 %s 的证据 / no evidence %s", id, id)
	}
	it, _, err := v.svc.Release(ctx, actor, id, act, purpose)
	if err != nil {
		return evidence.Item{}, nil, err
	}
	f, err := os.Open(filepath.Join(v.content, id))
	if err != nil {
		return evidence.Item{}, nil, fmt.Errorf("open content of evidence %s: %w", id, err)
	}
	return it, f, nil
}

// tusError turns an error into the tus handler's error: the errs kind picks
// the status and the bilingual message is the body (the api turns it into
// problem+json). Internal errors keep their text out.
func tusError(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal {
		return tusd.NewError("ERR_CITYLOOP_INTERNAL", "内部错误，证据未登记 / internal error; the evidence was not recorded", http.StatusInternalServerError)
	}
	status := map[errs.Kind]int{errs.KindInvalid: 400, errs.KindUnprocessable: 422, errs.KindNotFound: 404, errs.KindConflict: 409,
		errs.KindForbidden: 403, errs.KindUnauthenticated: 401, errs.KindTooLarge: 413, errs.KindUnsupported: 415,
		errs.KindRateLimited: 429, errs.KindUnavailable: 503}[e.Kind]
	return tusd.NewError("ERR_CITYLOOP_"+e.Kind.String(), e.Message, status)
}

// Deposit keeps content as evidence of it.CaseID taken by it.OfficerID
// when it did not come through tus: the photos of the console's and the
// field app's forms, and the demo city's placeholder scans and clips. The
// content must be of the item's kind by its bytes; a photo is cleaned as
// an upload is (EXIF read, then stripped); it is hashed, written to
// content/ and recorded with its "uploaded" custody entry.
func (v *Vault) Deposit(ctx context.Context, it evidence.Item, content []byte) (evidence.Item, error) {
	if !ValidID(it.ID) || it.OfficerID == "" {
		return evidence.Item{}, fmt.Errorf("deposit evidence %q: needs a UUID and an officer", it.ID)
	}
	sniffed := evidence.Sniff(content)
	mime, kind, err := evidence.KindOf(sniffed)
	if sniffed == "" || err != nil || kind != it.Kind {
		n := it.Kind.Name()
		return evidence.Item{}, errs.E(errs.KindUnsupported, "文件内容不是%s / the file is not a %s", n[0], n[1])
	}
	if err := v.limits.CheckSize(kind, int64(len(content))); err != nil {
		return evidence.Item{}, err
	}
	it.MIME = mime
	dst := filepath.Join(v.content, it.ID)
	if kind == evidence.Photo {
		if err := v.keepPhotoBytes(content, &it, dst); err != nil {
			return evidence.Item{}, err
		}
	} else {
		sum := sha256.Sum256(content)
		it.Size, it.SHA256 = int64(len(content)), hex.EncodeToString(sum[:])
		it.StoredSize, it.StoredSHA256 = it.Size, it.SHA256
		if err := writeFile(dst, content); err != nil {
			return evidence.Item{}, fmt.Errorf("deposit evidence %s: %w", it.ID, err)
		}
	}
	rec, _, err := v.svc.Record(ctx, it)
	if err != nil {
		os.Remove(dst)
		return evidence.Item{}, err
	}
	return rec, nil
}
