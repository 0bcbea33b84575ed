package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// EvidenceDesk serves /api/v1/enforcement/evidence/… (package
// evidence/vault): the files and records of the full-process record.
type EvidenceDesk interface {
	// FindUpload returns an upload's officer and case, and the recorded
	// item once it finished (NotFound when there is neither).
	FindUpload(ctx context.Context, id string) (officerID, caseID string, finished *evidence.Item, err error)
	List(ctx context.Context, actor org.Actor, caseID string) ([]evidence.Item, error)
	// VerifyCase checks the chain; deep also hashes the kept files again.
	VerifyCase(ctx context.Context, actor org.Actor, caseID string, deep bool) (evidence.Report, error)
	// Open writes the custody entry of the release, then opens the content.
	Open(ctx context.Context, actor org.Actor, id string, act evidence.Action, purpose string) (evidence.Item, *os.File, error)
}

// TusHandler is the tus protocol server (tusd's UnroutedHandler): the api
// routes each tus method to it, after its own checks.
type TusHandler interface {
	Middleware(h http.Handler) http.Handler
	PostFile(w http.ResponseWriter, r *http.Request)
	HeadFile(w http.ResponseWriter, r *http.Request)
	PatchFile(w http.ResponseWriter, r *http.Request)
	DelFile(w http.ResponseWriter, r *http.Request)
}

// evidencePosts is who handles evidence, as the route table writes it.
const evidencePosts = "enforcer|legal_reviewer|leader|admin"

// evidenceReady answers 404 on a node without the evidence vault.
func (s *Server) evidenceReady() error {
	if s.Evidence == nil || s.EvidenceUploads == nil {
		return errs.NotFound("此节点未提供执法证据接口 / enforcement evidence is not served on this node")
	}
	return nil
}

// evidenceActor is the signed-in holder of an evidence post.
func (s *Server) evidenceActor(r *http.Request) (org.Actor, error) {
	a, err := s.mustPostOrSession(r, evidence.Posts...)
	if err != nil {
		return a, err
	}
	return a, s.evidenceReady()
}

// handleEvidenceOptions answers tus discovery: versions, extensions and
// the largest upload (Tus-Max-Size).
func (s *Server) handleEvidenceOptions(w http.ResponseWriter, r *http.Request) error {
	if err := s.evidenceReady(); err != nil {
		return err
	}
	s.tus(w, r, "", s.EvidenceUploads.PostFile) // the middleware answers OPTIONS itself
	return nil
}

// handleEvidenceCreate creates an upload (tus creation): the vault checks
// the declared case, type and length with the caller passed along.
func (s *Server) handleEvidenceCreate(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.evidenceActor(r)
	if err != nil {
		return err
	}
	r = r.WithContext(evidence.WithActor(r.Context(), actor))
	s.tus(w, r, "", s.EvidenceUploads.PostFile)
	return nil
}

// uploadFor checks that the caller is the officer who created the upload
// (anyone else is told it does not exist) and returns its state.
func (s *Server) uploadFor(r *http.Request) (org.Actor, string, *evidence.Item, error) {
	actor, err := s.evidenceActor(r)
	if err != nil {
		return actor, "", nil, err
	}
	id := r.PathValue("id")
	officer, _, done, err := s.Evidence.FindUpload(r.Context(), id)
	if err != nil {
		return actor, "", nil, err
	}
	if officer != actor.ID {
		return actor, "", nil, errs.NotFound("没有这个上传 / no such upload")
	}
	return actor, id, done, nil
}

// handleEvidenceUploadHead reports how much of an upload arrived
// (Upload-Offset), so that an interrupted client resumes from there. A
// finished upload answers complete, so a client that lost the last
// response does not send the file again.
func (s *Server) handleEvidenceUploadHead(w http.ResponseWriter, r *http.Request) error {
	_, id, done, err := s.uploadFor(r)
	if err != nil {
		return err
	}
	if done != nil {
		h := w.Header()
		h.Set("Tus-Resumable", "1.0.0")
		h.Set("Cache-Control", "no-store")
		h.Set("Upload-Offset", itoa64(done.Size))
		h.Set("Upload-Length", itoa64(done.Size))
		h.Set("Evidence-Id", done.ID)
		h.Set("Evidence-Sha256", done.SHA256)
		w.WriteHeader(http.StatusOK)
		return nil
	}
	s.tus(w, r, id, s.EvidenceUploads.HeadFile)
	return nil
}

// handleEvidenceUploadPatch appends a chunk at Upload-Offset; the chunk
// that completes the file is answered only once the evidence is recorded
// (Evidence-Id and Evidence-Sha256 headers), or refused (415 for content
// that is not what was declared).
func (s *Server) handleEvidenceUploadPatch(w http.ResponseWriter, r *http.Request) error {
	actor, id, done, err := s.uploadFor(r)
	if err != nil {
		return err
	}
	if done != nil {
		return errs.Conflict("此上传已完成并登记为证据 %s / this upload finished and was recorded as evidence %s", done.ID, done.ID)
	}
	// A chunk of a video may take longer than the request timeout; the
	// tus handler watches the connection itself (a read deadline per
	// read), and an interrupted chunk keeps what arrived.
	ctx := evidence.WithActor(context.WithoutCancel(r.Context()), actor)
	s.tus(w, r.WithContext(ctx), id, s.EvidenceUploads.PatchFile)
	return nil
}

// handleEvidenceUploadDelete cancels an unfinished upload (tus
// termination). Recorded evidence is never deleted.
func (s *Server) handleEvidenceUploadDelete(w http.ResponseWriter, r *http.Request) error {
	actor, id, done, err := s.uploadFor(r)
	if err != nil {
		return err
	}
	if done != nil {
		return errs.Conflict("已登记的证据不能删除，保管链保留它 / recorded evidence cannot be deleted; the chain of custody keeps it")
	}
	_ = s.audit(r, actor.ID, "evidence.upload_cancel", "evidence/"+id, nil)
	s.tus(w, r, id, s.EvidenceUploads.DelFile)
	return nil
}

// tus runs fn behind the tus middleware with the upload id as the path
// (as tusd's router would leave it), turning tusd's plain-text errors into
// problem documents and auditing a completed upload.
func (s *Server) tus(w http.ResponseWriter, r *http.Request, id string, fn http.HandlerFunc) {
	if r.Header.Get("X-HTTP-Method-Override") != "" {
		httpkit.WriteError(w, r, errs.Invalid("不支持 X-HTTP-Method-Override；请直接使用 PATCH、HEAD 或 DELETE / X-HTTP-Method-Override is not supported; send PATCH, HEAD or DELETE"))
		return
	}
	pw := &tusWriter{ResponseWriter: w, r: r}
	s.EvidenceUploads.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := *r
		u := *r.URL
		u.Path, u.RawPath = id, ""
		r2.URL = &u
		fn(w, &r2)
	})).ServeHTTP(pw, r)
	pw.finish()
	if ev := pw.Header().Get("Evidence-Id"); ev != "" && pw.status < 300 && r.Method == http.MethodPatch {
		if a, ok := evidence.ActorFrom(r.Context()); ok {
			_ = s.audit(r, a.ID, "evidence.upload", "evidence/"+ev, map[string]any{"sha256": pw.Header().Get("Evidence-Sha256")})
		}
	}
}

// tusWriter holds back an error response of the tus handler (status ≥ 400,
// a "ERR_CODE: message" text body) and writes it as problem+json with a
// message a person can act on. Everything else passes through; Unwrap lets
// the handler set read deadlines on the connection.
type tusWriter struct {
	http.ResponseWriter
	r      *http.Request
	status int
	held   bool
	body   bytes.Buffer
}

func (t *tusWriter) WriteHeader(code int) {
	t.status = code
	if code >= 400 && t.r.Method != http.MethodHead {
		t.held = true
		return
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *tusWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.WriteHeader(http.StatusOK)
	}
	if t.held {
		return t.body.Write(b)
	}
	return t.ResponseWriter.Write(b)
}

func (t *tusWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *tusWriter) finish() {
	if !t.held {
		return
	}
	code, msg, _ := strings.Cut(strings.TrimSpace(t.body.String()), ": ")
	status, detail := tusProblem(code, t.status, msg)
	kind, known := map[int]errs.Kind{400: errs.KindInvalid, 401: errs.KindUnauthenticated, 403: errs.KindForbidden,
		404: errs.KindNotFound, 409: errs.KindConflict, 413: errs.KindTooLarge, 415: errs.KindUnsupported,
		422: errs.KindUnprocessable, 429: errs.KindRateLimited, 503: errs.KindUnavailable}[status]
	if !known {
		kind = errs.KindInvalid
	}
	// ProblemFor words the title in the caller's language; 500 keeps its
	// text out, as everywhere.
	var p httpkit.Problem
	if status >= 500 && status != 503 {
		p = httpkit.ProblemFor(t.r, errors.New(detail))
	} else {
		p = httpkit.ProblemFor(t.r, errs.E(kind, "%s", detail))
	}
	if !known && status < 500 {
		p.Title = http.StatusText(status) // 412: no kind of ours
	}
	p.Status = status
	h := t.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	t.ResponseWriter.WriteHeader(status)
	_ = json.NewEncoder(t.ResponseWriter).Encode(p)
}

// tusProblem words tusd's error codes for people; our own (ERR_CITYLOOP_*)
// already carry a bilingual message. A lost connection or a lock held by
// another request is not a server fault: the client resumes.
func tusProblem(code string, status int, msg string) (int, string) {
	switch code {
	case "ERR_MAX_SIZE_EXCEEDED":
		return 413, "文件超过允许的大小（上限见 OPTIONS 的 Tus-Max-Size）/ the upload exceeds the allowed size (OPTIONS tells Tus-Max-Size)"
	case "ERR_UPLOAD_SIZE_EXCEEDED":
		// Past the declared length, or a chunk over the node's body limit
		// (80 MiB), whose first part is kept.
		return 413, "分片超出声明的文件长度或单次上限；每个分片请不超过 64 MiB，HEAD 后从 Upload-Offset 续传 / the chunk exceeds the declared length or the per-request limit; send chunks of at most 64 MiB and resume from the Upload-Offset a HEAD gives"
	case "ERR_UPLOAD_NOT_FOUND":
		return 404, "没有这个上传（已完成、已取消或编号有误），请用 POST 新建 / no such upload (finished, cancelled or a wrong id); create one with POST"
	case "ERR_MISMATCHED_OFFSET":
		return 409, "Upload-Offset 与服务器已收到的不一致；先 HEAD 取得偏移量再续传 / Upload-Offset does not match what arrived; HEAD the upload and resume from its Upload-Offset"
	case "ERR_INVALID_OFFSET":
		return 400, "须发送 Upload-Offset 头（非负整数）/ send an Upload-Offset header (a non-negative integer)"
	case "ERR_INVALID_CONTENT_TYPE":
		return 415, "PATCH 须使用 Content-Type: application/offset+octet-stream / a PATCH must have Content-Type: application/offset+octet-stream"
	case "ERR_UNSUPPORTED_VERSION":
		return 412, "须发送 Tus-Resumable: 1.0.0 / send Tus-Resumable: 1.0.0"
	case "ERR_INVALID_UPLOAD_LENGTH", "ERR_NOT_IMPLEMENTED", "ERR_INVALID_UPLOAD_LENGTH_DEFER", "ERR_AMBIGUOUS_UPLOAD_LENGTH":
		return 400, "须用 Upload-Length 声明文件大小（不支持延后声明）/ declare the file's size in Upload-Length (deferred length is not supported)"
	case "ERR_UPLOAD_LOCKED", "ERR_LOCK_TIMEOUT":
		return 409, "另一个请求正在写入此上传；稍后 HEAD 再续传 / another request is writing this upload; HEAD it a little later and resume"
	case "ERR_UPLOAD_INTERRUPTED", "ERR_UNEXPECTED_EOF", "ERR_READ_TIMEOUT", "ERR_CONNECTION_RESET", "ERR_UPLOAD_STOPPED":
		return 400, "传输中断，已收到的部分已保存；HEAD 后从 Upload-Offset 续传 / the transfer was interrupted and what arrived is kept; HEAD the upload and resume from its Upload-Offset"
	case "ERR_SERVER_SHUTDOWN":
		return 503, "服务器正在重启，已收到的部分已保存；稍后续传 / the server is restarting; what arrived is kept, resume shortly"
	}
	if strings.HasPrefix(code, "ERR_CITYLOOP_") && msg != "" {
		return status, msg
	}
	if msg == "" {
		msg = code
	}
	return status, msg
}

// evidenceView is one piece of evidence as the API shows it.
type evidenceView struct {
	evidence.Item
	KindName   string `json:"kind_name"`
	ContentURL string `json:"content_url"`
}

func viewOf(it evidence.Item, en bool) evidenceView {
	n := it.Kind.Name()
	name := n[0]
	if en {
		name = n[1]
	}
	return evidenceView{Item: it, KindName: name, ContentURL: "/api/v1/enforcement/evidence/" + it.ID + "/content"}
}

// handleEvidenceList lists a case's evidence with hashes, capture time,
// position and officer. Reading it is audited: the list is the index of
// the case's file.
func (s *Server) handleEvidenceList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.evidenceActor(r)
	if err != nil {
		return err
	}
	caseID := r.URL.Query().Get("case")
	if caseID == "" {
		return errs.Invalid("须指定执法案件：?case=案件编号 / name the penalty case: ?case=ID").WithField("case", "required")
	}
	items, err := s.Evidence.List(r.Context(), actor, caseID)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "evidence.list", "enforcement_case/"+caseID, map[string]any{"items": len(items)}); err != nil {
		return err
	}
	en := httpkit.English(r)
	out := make([]evidenceView, len(items))
	for i, it := range items {
		out[i] = viewOf(it, en)
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
}

// handleEvidenceContent hands out a piece of evidence: the custody entry
// (调阅 viewed, or 导出 exported with ?download=true) is written before the
// first byte, and the read is audited. Ranges are served, for video.
func (s *Server) handleEvidenceContent(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.evidenceActor(r)
	if err != nil {
		return err
	}
	act := evidence.Viewed
	if d := r.URL.Query().Get("download"); d == "1" || d == "true" {
		act = evidence.Exported
	}
	purpose := strings.TrimSpace(r.URL.Query().Get("purpose"))
	if len([]rune(purpose)) > 200 {
		return errs.Invalid("用途最多 200 字 / purpose: at most 200 characters").WithField("purpose", "too long")
	}
	id := r.PathValue("id")
	it, f, err := s.Evidence.Open(r.Context(), actor, id, act, purpose)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := s.audit(r, actor.ID, "evidence."+string(act), "evidence/"+id, map[string]any{"case": it.CaseID, "purpose": purpose}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", it.MIME)
	h.Set("Cache-Control", "no-store")
	h.Set("Evidence-Sha256", it.StoredSHA256)
	// Content is shown as itself, never as a page of this origin.
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	disp := "inline"
	if act == evidence.Exported {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp+`; filename="`+it.ID+extOf(it.MIME)+`"`)
	http.ServeContent(w, r, "", it.UploadedAt, f)
	return nil
}

func extOf(mime string) string {
	if i := strings.IndexByte(mime, '/'); i >= 0 {
		switch sub := mime[i+1:]; sub {
		case "jpeg":
			return ".jpg"
		case "quicktime":
			return ".mov"
		case "x-msvideo":
			return ".avi"
		case "mpeg":
			return ".mp3"
		case "3gpp":
			return ".3gp"
		case "mp4":
			if strings.HasPrefix(mime, "audio/") {
				return ".m4a"
			}
			return ".mp4"
		default:
			return "." + sub
		}
	}
	return ""
}

// handleEvidenceVerify checks a case's chain of custody and its items
// against it (with ?deep=true the kept files are hashed again): 200 with
// ok false and the broken entry named when it does not hold (the check
// worked; the chain did not).
func (s *Server) handleEvidenceVerify(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.evidenceActor(r)
	if err != nil {
		return err
	}
	caseID := r.URL.Query().Get("case")
	if caseID == "" {
		return errs.Invalid("须指定执法案件：?case=案件编号 / name the penalty case: ?case=ID").WithField("case", "required")
	}
	deep := r.URL.Query().Get("deep")
	rep, err := s.Evidence.VerifyCase(r.Context(), actor, caseID, deep == "1" || deep == "true")
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "evidence.verify", "enforcement_case/"+caseID, map[string]any{"ok": rep.OK, "entries": rep.Entries}); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, rep)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
