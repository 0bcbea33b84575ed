package inspect

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"cityloop/internal/errs"
)

// SeedSize is the length of a draw seed in bytes.
const SeedSize = 32

// Commitment is what is published before the draw: the seed's hash and the
// hash of the plan it will draw, which is frozen from then on.
type Commitment struct {
	PlanHash    string    `json:"plan_hash"`
	SeedHash    string    `json:"commitment"` // hex SHA-256 of the seed
	CommittedAt time.Time `json:"committed_at"`
	CommittedBy string    `json:"committed_by"`
}

// Officer is a drawn inspector as the result names them: public by law.
type Officer struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Certificate string `json:"certificate"`
}

// ObjectRef is a drawn object as the result names it.
type ObjectRef struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Kind     ObjectKind `json:"kind"`
	District string     `json:"district"`
	Address  string     `json:"address"`
}

// Assignment is one drawn object with its inspectors, in drawn order, and
// the outcome once recorded. Only the ids take part in verification; the
// names are copied from the frozen plan for display.
type Assignment struct {
	Object     ObjectRef `json:"object"`
	Inspectors []Officer `json:"inspectors"`
	Outcome    *Outcome  `json:"outcome,omitempty"`
}

// Result is what a draw produced from a plan.
type Result struct {
	PlanHash    string       `json:"plan_hash"`
	Assignments []Assignment `json:"assignments"`
}

// Draw is a stored draw: the revealed seed and the result.
type Draw struct {
	Seed    string    `json:"seed"` // hex, revealed at the draw
	DrawnAt time.Time `json:"drawn_at"`
	DrawnBy string    `json:"drawn_by"`
	Result
}

// NewSeed reads a fresh seed from r (crypto/rand.Reader in production).
func NewSeed(r io.Reader) ([]byte, error) {
	seed := make([]byte, SeedSize)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, fmt.Errorf("read draw seed: %w", err)
	}
	return seed, nil
}

// SeedHash is the commitment to seed: its hex SHA-256.
func SeedHash(seed []byte) string {
	h := sha256.Sum256(seed)
	return hex.EncodeToString(h[:])
}

// stream is the draw's random source: ChaCha8 keyed with
// SHA-256(seed || plan hash bytes), and an unbiased uniform(n) on its
// Uint64 output (see the package comment for why not rand.Rand.IntN).
type stream struct{ c *rand.ChaCha8 }

func newStream(seed []byte, planHash string) (*stream, error) {
	ph, err := hex.DecodeString(planHash)
	if err != nil || len(ph) != sha256.Size {
		return nil, fmt.Errorf("plan hash %q is not a hex SHA-256", planHash)
	}
	h := sha256.New()
	h.Write(seed)
	h.Write(ph)
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return &stream{c: rand.NewChaCha8(key)}, nil
}

// uniform is a number in [0, n), n > 0, without modulo bias: values at or
// above the largest multiple of n that fits in 2^64 are drawn again.
func (s *stream) uniform(n int) int {
	un := uint64(n)
	limit := -un % un // 2^64 mod n
	for {
		u := s.c.Uint64()
		// Accept u < 2^64 - (2^64 mod n); with limit 0 every u is fine.
		if limit == 0 || u < -limit {
			return int(u % un)
		}
	}
}

// pick draws k of n indexes by a partial Fisher–Yates shuffle of 0..n-1,
// in drawn order. buf is reused when it is large enough.
func (s *stream) pick(n, k int, buf []int) []int {
	idx := buf[:0]
	if cap(idx) < n {
		idx = make([]int, 0, n)
	}
	idx = idx[:n]
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + s.uniform(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:k]
}

// Run draws a plan with a seed. It is deterministic: the same plan data (in
// any order) and seed give the same result. It fails only on a plan that
// Validate refuses, or a seed of the wrong size.
func Run(p *Plan, seed []byte) (Result, error) {
	if len(seed) != SeedSize {
		return Result{}, errs.Invalid("抽取种子须为 %d 字节 / the seed must be %d bytes", SeedSize, SeedSize)
	}
	// Work on the canonical form, so that the draw sees exactly what the
	// hash covers, in the same order.
	q, doc := p.canonical()
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	hash := hashOf(doc)
	s, err := newStream(seed, hash)
	if err != nil {
		return Result{}, fmt.Errorf("draw plan %s: %w", p.ID, err)
	}
	// Addresses are not in the canonical document; take them from p.
	address := map[string]string{}
	for _, o := range p.Objects {
		address[strings.TrimSpace(o.ID)] = strings.TrimSpace(o.Address)
	}
	conflict := map[[2]string]bool{}
	for _, c := range q.Conflicts {
		conflict[[2]string{c.Inspector, c.Object}] = true
	}
	objs := q.eligibleObjects()
	res := Result{PlanHash: hash, Assignments: make([]Assignment, 0, q.Count)}
	// One candidate list and one index buffer serve every object: a large
	// plan draws hundreds of objects from thousands of inspectors.
	cands := make([]*Inspector, 0, len(q.Inspectors))
	var buf []int
	for _, oi := range s.pick(len(objs), q.Count, nil) {
		o := objs[oi]
		cands = cands[:0]
		for i := range q.Inspectors {
			x := &q.Inspectors[i]
			if q.inScope(x) && !slices.Contains(x.Excluded, o.District) && !conflict[[2]string{x.ID, o.ID}] {
				cands = append(cands, x)
			}
		}
		if len(cands) < q.PerObject {
			// Validate rules this out; kept so that a bug cannot draw too few.
			return Result{}, errs.Unprocessable("对象 %s 回避后只有 %d 名可抽取的执法人员 / object %s has only %d eligible inspectors", o.ID, len(cands), o.ID, len(cands))
		}
		a := Assignment{Object: ObjectRef{ID: o.ID, Name: o.Name, Kind: o.Kind, District: o.District, Address: address[o.ID]}}
		buf = s.pick(len(cands), q.PerObject, buf)
		for _, ii := range buf {
			x := cands[ii]
			a.Inspectors = append(a.Inspectors, Officer{ID: x.ID, Name: x.Name, Certificate: x.Certificate})
		}
		res.Assignments = append(res.Assignments, a)
	}
	return res, nil
}

// Verify re-runs a draw and reports the first thing that does not match:
// a seed that is not the committed one, a plan that is not the one the
// result was drawn from, or a result that is not what the seed draws. nil
// means the draw is exactly what plan and seed give.
func Verify(p *Plan, seed []byte, commitment string, result Result) error {
	if len(seed) != SeedSize {
		return errs.Unprocessable("种子长度不是 %d 字节 / the seed is not %d bytes", SeedSize, SeedSize)
	}
	if subtle.ConstantTimeCompare([]byte(SeedHash(seed)), []byte(strings.ToLower(commitment))) != 1 {
		return errs.Unprocessable("种子与事先公布的承诺不符 / the seed does not match the published commitment")
	}
	if h := p.Hash(); h != result.PlanHash {
		return errs.Unprocessable("计划与抽取时的计划不符（计划哈希 %s，结果记录 %s）/ the plan is not the one drawn (plan hash %s, result records %s)",
			h, result.PlanHash, h, result.PlanHash)
	}
	want, err := Run(p, seed)
	if err != nil {
		return fmt.Errorf("re-run the draw: %w", err)
	}
	if len(want.Assignments) != len(result.Assignments) {
		return errs.Unprocessable("结果有 %d 个对象，重新抽取得到 %d 个 / the result has %d objects, the re-run draws %d",
			len(result.Assignments), len(want.Assignments), len(result.Assignments), len(want.Assignments))
	}
	for i, w := range want.Assignments {
		g := result.Assignments[i]
		if g.Object.ID != w.Object.ID {
			return errs.Unprocessable("第 %d 个对象应为 %s，结果记录为 %s / object %d should be %s, the result has %s",
				i+1, w.Object.ID, g.Object.ID, i+1, w.Object.ID, g.Object.ID)
		}
		if !slices.EqualFunc(g.Inspectors, w.Inspectors, func(a, b Officer) bool { return a.ID == b.ID }) {
			return errs.Unprocessable("对象 %s 的执法人员应为 %s，结果记录为 %s / object %s should have inspectors %s, the result has %s",
				w.Object.ID, officerIDs(w.Inspectors), officerIDs(g.Inspectors), w.Object.ID, officerIDs(w.Inspectors), officerIDs(g.Inspectors))
		}
		// The names the public reads must be the plan's too. Addresses are
		// not in the published document, so they are not compared.
		if g.Object.Name != w.Object.Name || g.Object.Kind != w.Object.Kind || g.Object.District != w.Object.District ||
			!slices.Equal(g.Inspectors, w.Inspectors) {
			return errs.Unprocessable("对象 %s 的结果所列名称或执法证号与计划不符 / the names or certificate numbers the result shows for object %s differ from the plan",
				w.Object.ID, w.Object.ID)
		}
	}
	return nil
}

func officerIDs(os []Officer) string {
	ids := make([]string, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	return strings.Join(ids, ",")
}
