package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// Store keeps evidence and the chains of custody. Each method is one
// transaction.
type Store interface {
	// CreateEvidence writes it and its "uploaded" entry, sealed after the
	// case's last entry, together; it returns the entry as stored.
	CreateEvidence(ctx context.Context, it Item, draft Entry) (Entry, error)
	// FindEvidenceByID returns one item (NotFound when unknown).
	FindEvidenceByID(ctx context.Context, id string) (Item, error)
	// FindEvidence lists a case's items, oldest first.
	FindEvidence(ctx context.Context, caseID string) ([]Item, error)
	// AppendCustody seals draft after the case's last entry and writes it;
	// concurrent appends to one case each get their own place.
	AppendCustody(ctx context.Context, draft Entry) (Entry, error)
	// Custody returns a case's chain, oldest first.
	Custody(ctx context.Context, caseID string) ([]Entry, error)
}

// CaseAccess answers whether actor may record and read evidence of a
// penalty case: nil, or Forbidden/NotFound. The penalty case store answers
// it for real (the case's investigating officers, reviewers and leaders);
// until that store is connected, app wires [PostAccess].
type CaseAccess interface {
	CaseAccess(ctx context.Context, actor org.Actor, caseID string) error
}

// Posts are the posts that handle evidence: enforcement officers (执法队员),
// legal reviewers (法制审核员), leaders and administrators.
var Posts = []org.Post{org.PostEnforcer, org.PostLegalReviewer, org.PostLeader, org.PostAdmin}

// PostAccess is a [CaseAccess] by post alone: any holder of one of [Posts]
// reaches every case id. Tests use it; a node asks the penalty cases
// (enforce.Service.CaseAccess: the case inside the officer's jurisdiction).
type PostAccess struct{}

// CaseAccess implements [CaseAccess].
func (PostAccess) CaseAccess(_ context.Context, actor org.Actor, caseID string) error {
	if !validID(caseID) {
		return errs.Invalid("执法案件编号无效 / the penalty case id is invalid").WithField("case", "letters, digits, - and _, at most 64")
	}
	for _, g := range actor.Grants {
		if slices.Contains(Posts, g.Post) {
			return nil
		}
	}
	return errs.Forbidden("只有执法队员、法制审核员、领导和管理员可以处理执法证据 / only enforcement officers, legal reviewers, leaders and administrators handle enforcement evidence")
}

// Service records evidence and its custody.
type Service struct {
	Store  Store
	Access CaseAccess
	Now    func() time.Time
}

// Record stores a finished upload: the item and its "uploaded" entry,
// whose detail seals the hashes, sizes and type, in one store call.
func (s *Service) Record(ctx context.Context, it Item) (Item, Entry, error) {
	it.UploadedAt = s.Now().UTC().Truncate(time.Microsecond)
	e, err := s.Store.CreateEvidence(ctx, it, Entry{CaseID: it.CaseID, At: it.UploadedAt, Actor: it.OfficerID,
		Action: Uploaded, EvidenceID: it.ID, Detail: uploadDetail(it)})
	if err != nil {
		return Item{}, Entry{}, fmt.Errorf("record evidence %s of case %s: %w", it.ID, it.CaseID, err)
	}
	return it, e, nil
}

// List returns a case's evidence for actor.
func (s *Service) List(ctx context.Context, actor org.Actor, caseID string) ([]Item, error) {
	if err := s.Access.CaseAccess(ctx, actor, caseID); err != nil {
		return nil, err
	}
	items, err := s.Store.FindEvidence(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("list evidence of case %s: %w", caseID, err)
	}
	return items, nil
}

// Release is called before content is handed to actor: it checks access
// and writes the custody entry (a Viewed or Exported act, with purpose in
// its detail) first, so that no byte leaves unrecorded.
func (s *Service) Release(ctx context.Context, actor org.Actor, id string, act Action, purpose string) (Item, Entry, error) {
	if act != Viewed && act != Exported {
		return Item{}, Entry{}, fmt.Errorf("release evidence %s: %q is not a release", id, act)
	}
	it, err := s.Store.FindEvidenceByID(ctx, id)
	if err != nil {
		return Item{}, Entry{}, fmt.Errorf("find evidence %s: %w", id, err)
	}
	if err := s.Access.CaseAccess(ctx, actor, it.CaseID); err != nil {
		return Item{}, Entry{}, err
	}
	detail, err := json.Marshal(map[string]string{"purpose": purpose, "stored_sha256": it.StoredSHA256})
	if err != nil {
		return Item{}, Entry{}, fmt.Errorf("release evidence %s: %w", id, err)
	}
	e, err := s.Store.AppendCustody(ctx, Entry{CaseID: it.CaseID, At: s.Now(), Actor: actor.ID, Action: act,
		EvidenceID: it.ID, Detail: string(detail)})
	if err != nil {
		return Item{}, Entry{}, fmt.Errorf("record %s of evidence %s: %w", act, id, err)
	}
	return it, e, nil
}

// Report is the result of checking a case's chain of custody.
type Report struct {
	CaseID  string `json:"case_id"`
	Entries int    `json:"entries"`
	Items   int    `json:"items"`
	// OK holds when every link verifies and every item matches its upload
	// entry; otherwise Broken names the first bad entry and Mismatches the
	// items whose records were changed.
	OK         bool        `json:"ok"`
	Broken     *BreakError `json:"broken,omitempty"`
	Mismatches []Mismatch  `json:"mismatches,omitempty"`
	Head       string      `json:"head,omitempty"` // the last entry's hash: note it to prove later that nothing was appended
	Deep       bool        `json:"deep"`           // the kept files were hashed again too
	CheckedAt  time.Time   `json:"checked_at"`
}

// VerifyCase checks a case's chain and its items against it, for actor.
func (s *Service) VerifyCase(ctx context.Context, actor org.Actor, caseID string) (Report, error) {
	if err := s.Access.CaseAccess(ctx, actor, caseID); err != nil {
		return Report{}, err
	}
	chain, err := s.Store.Custody(ctx, caseID)
	if err != nil {
		return Report{}, fmt.Errorf("read custody of case %s: %w", caseID, err)
	}
	items, err := s.Store.FindEvidence(ctx, caseID)
	if err != nil {
		return Report{}, fmt.Errorf("list evidence of case %s: %w", caseID, err)
	}
	r := Report{CaseID: caseID, Entries: len(chain), Items: len(items), CheckedAt: s.Now().UTC()}
	if len(chain) > 0 {
		r.Head = chain[len(chain)-1].Hash
	}
	if err := Verify(chain); err != nil {
		be, ok := err.(*BreakError)
		if !ok {
			return Report{}, err
		}
		r.Broken = be
	}
	r.Mismatches = CheckItems(items, chain)
	r.OK = r.Broken == nil && len(r.Mismatches) == 0
	return r, nil
}

// actorKey carries the signed-in actor from the HTTP adapter into the tus
// server's callbacks, which see the request's context but not its caller.
type actorKey struct{}

// WithActor returns ctx carrying actor.
func WithActor(ctx context.Context, actor org.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor WithActor stored, if any.
func ActorFrom(ctx context.Context) (org.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(org.Actor)
	return a, ok && a.ID != ""
}
