package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
)

// Roles of a case towards others.
const (
	roleIndependent = iota
	roleDuplicate   // a second report of an open case nearby, merged into it (合并)
	roleRecurrence  // the same problem again where a case was recently closed (复发)
)

const (
	pDuplicate  = 0.045
	pRecurrence = 0.032

	recurrenceWindow = 30 * 24 * time.Hour // as casework's
)

// laggards are the demo's weaker districts (落后区): their cases are late
// more often and more of their old tasks stay overdue, so the monthly
// indicators have a bottom to rank, as a real city's bulletin does (a few
// districts under the 按期结案率 and 满意率 targets, most above).
var laggards = map[string]bool{"秦源区": true, "栖霞区": true}

// plan is everything decided about a case before it goes round the loop:
// what, where, when, who reported it, and which path it will take.
type plan struct {
	i     int
	id    string
	at    time.Time
	src   int
	ref   catalog.Ref
	sub   catalog.SubClass
	cond  catalog.Condition
	comm  *community
	point geo.Point
	addr  string
	desc  string

	reporter, phone string

	role int
	base int // the case this one duplicates or recurs after
	path pathPlan
}

// pathPlan is the route through the loop (DOMAIN.md §2.4).
type pathPlan struct {
	selfHandle    bool
	verify        bool // public reports are verified on site first (核实)
	verifyInvalid bool
	rejectAccept  bool // 不予受理
	rejectFile    bool // 不予立案
	void          bool // 作废 after filing
	ret           int  // 0, retRedispatch, retShirk (推诿), retVoid
	extend        int  // 0, extApprove, extDeny, extTwice
	suspend       int  // 0, susResume, susStay, susDeny
	reworks       int
	late          bool
	urge          bool
	leaderUrge    bool
	callback      bool
	// stall is an open state the case stops in, if it gets there lately
	// (see walker.holds); a stale stall stops whenever it gets there.
	stall      casework.Status
	stallStale bool
	stallLong  bool // the disposal limit is a day or more
	stallWide  bool // hold it even if it got there half a day ago
}

const (
	retRedispatch = 1 + iota
	retShirk
	retVoid
)

const (
	extApprove = 1 + iota
	extDeny
	extTwice
)

const (
	susResume = 1 + iota
	susStay
	susDeny
)

// roleDraw reads the first number of case i's plan stream, which decides its
// role; it is cheap enough to ask of any other case.
func (g *gen) roleDraw(i int) float64 {
	return stream(g.seed, saltPlan, uint64(i)).Float64()
}

func roleFor(u float64) int {
	switch {
	case u < pDuplicate:
		return roleDuplicate
	case u < pDuplicate+pRecurrence:
		return roleRecurrence
	}
	return roleIndependent
}

// baseIndex finds the case reported about d before t.
func (g *gen) baseIndex(i int, t time.Time, d time.Duration) int {
	b := int(g.tl.quantile(t.Add(-d)) * float64(g.n))
	if b >= i {
		b = i - 1
	}
	return b
}

func (g *gen) plan(i int) *plan {
	rng := stream(g.seed, saltPlan, uint64(i))
	p := &plan{i: i, base: -1}
	p.role = roleFor(rng.Float64())
	q := (float64(i) + rng.Float64()) / float64(g.n)
	at, hour := g.tl.at(q)
	p.at = at.Truncate(time.Second)
	if p.at.After(g.now) {
		p.at = g.now
	}
	p.src = g.tl.source(hour, rng.Float64())
	p.id = caseID(g.seed, i, p.at)

	if p.role != roleIndependent {
		d := time.Duration(10+rng.IntN(170)) * time.Minute
		if p.role == roleRecurrence {
			d = time.Duration(3*24+rng.IntN(22*24)) * time.Hour
		}
		b := g.baseIndex(i, p.at, d)
		if b < 0 || roleFor(g.roleDraw(b)) != roleIndependent {
			p.role = roleIndependent
		} else {
			p.base = b
			bp := g.plan(b)
			p.ref, p.sub, p.cond, p.comm = bp.ref, bp.sub, bp.cond, bp.comm
			p.point = bp.point
			np := offset(bp.point, 5+30*rng.Float64(), 2*math.Pi*rng.Float64())
			if _, err := g.svc.Atlas().Locate(np); err == nil {
				p.point = np
			}
			if p.role == roleDuplicate && p.src != srcPatrol && p.src != srcCitizen && p.src != srcHotline && p.src != srcCamera {
				p.src = srcCitizen
			}
		}
	}
	if p.role == roleIndependent {
		month := int(p.at.In(g.loc).Month()) - 1
		t := g.cats.tables[p.src][month]
		if t.total() == 0 {
			t = g.cats.tables[srcPatrol][month]
		}
		p.ref = g.cats.refs[t.pick(rng.Float64())]
		sub, ok := g.dict.Lookup(p.ref, p.at)
		for k := 0; !ok && k < len(g.cats.refs); k++ { // retired since: take the next one in force
			p.ref = g.cats.refs[k]
			sub, ok = g.dict.Lookup(p.ref, p.at)
		}
		p.sub = sub
		p.cond = pickCondition(rng, sub)
		p.comm, p.point = g.places.point(rng)
	}
	// The community's own road names are still drawn, so the random
	// stream (and every case after this one) stays as it was; the address
	// itself is the reverse-geocoded one an intake would write.
	p.addr = p.comm.address(rng)
	if loc, err := g.svc.Atlas().Locate(p.point); err == nil {
		p.addr = casework.DescribeAt(g.roads, p.point, loc)
	}
	p.desc = description(p.src, p.sub, p.cond, p.addr)
	if p.src == srcCitizen || p.src == srcHotline {
		p.reporter = string(surnames[rng.IntN(len(surnames))]) + []string{"先生", "女士"}[rng.IntN(2)]
		p.phone = fmt.Sprintf("1%d%09d", []int{3, 5, 7, 8, 9}[rng.IntN(5)], rng.IntN(1_000_000_000))
	}
	g.drawPath(rng, p)
	return p
}

// pickCondition favours filing condition 1, the everyday form of a problem.
func pickCondition(rng *rand.Rand, sub catalog.SubClass) catalog.Condition {
	if len(sub.Conditions) == 0 {
		return catalog.Condition{No: 1}
	}
	k := 0
	if len(sub.Conditions) > 1 && rng.Float64() >= 0.7 {
		k = 1 + rng.IntN(len(sub.Conditions)-1)
	}
	return sub.Conditions[k]
}

// longLimit reports a disposal limit of a working day or more.
func longLimit(c catalog.Condition) bool {
	return c.Urgency == catalog.Complex || c.Limit.Unit == "working_days" || c.Limit.Amount >= 7 && c.Limit.Unit == "working_hours"
}

func (g *gen) drawPath(rng *rand.Rand, p *plan) {
	pp := &p.path
	u := rng.Float64
	public := p.src == srcCitizen || p.src == srcHotline
	pp.callback = public
	if p.src == srcPatrol && trivial[p.ref.String()] && u() < 0.16 {
		pp.selfHandle = true
	}
	switch {
	case public:
		pp.verify = u() < 0.55
	case p.src == srcCamera:
		pp.verify = u() < 0.3
	}
	pp.verifyInvalid = pp.verify && u() < 0.10
	rej := map[int]float64{srcPatrol: 0.012, srcCitizen: 0.07, srcHotline: 0.07, srcCamera: 0.035, srcSensor: 0.035, srcPartner: 0.01, srcLeader: 0}[p.src]
	pp.rejectAccept = u() < rej
	pp.rejectFile = u() < 0.006
	pp.void = u() < 0.013
	switch r := u(); {
	case r < 0.045:
		pp.ret = retRedispatch
	case r < 0.057:
		pp.ret = retShirk
	case r < 0.064:
		pp.ret = retVoid
	}
	long := longLimit(p.cond)
	pSus, pExt := 0.004, 0.035
	if long {
		pSus, pExt = 0.05, 0.16
	}
	if u() < pSus {
		switch r := u(); {
		case r < 0.45:
			pp.suspend = susResume
		case r < 0.75:
			pp.suspend = susStay
		default:
			pp.suspend = susDeny
		}
	} else if u() < pExt {
		switch r := u(); {
		case r < 0.72:
			pp.extend = extApprove
		case r < 0.87:
			pp.extend = extDeny
		default:
			pp.extend = extTwice
		}
	}
	switch r := u(); {
	case r < 0.06:
		pp.reworks = 1
	case r < 0.068:
		pp.reworks = 2
	}
	pLate := 0.07
	switch {
	case p.cond.Urgency == catalog.Complex:
		pLate = 0.15
	case p.cond.Urgency == catalog.Urgent:
		pLate = 0.04
	case pp.extend == extDeny:
		pLate = 0.5
	}
	lag := p.comm != nil && laggards[p.comm.districtName]
	if lag {
		pLate *= 4.5
	}
	pp.late = u() < pLate
	pp.urge = u() < 0.08
	switch p.src {
	case srcLeader:
		pp.leaderUrge = u() < 0.5
	case srcHotline:
		pp.leaderUrge = u() < 0.08
	}

	// Recent cases are still on their way: some stop in an open state so
	// that every queue has work at now; a few old ones are the backlog of
	// long-overdue tasks (超期未处置).
	age := g.now.Sub(p.at)
	pStall := 0.008 // the backlog, which keeps 结案率 under 100 %
	if lag {
		pStall = 0.04
	}
	switch {
	case age < 24*time.Hour:
		pStall = 0.9
	case age < 72*time.Hour:
		pStall = 0.5
	case age < 7*24*time.Hour:
		pStall = 0.2
	}
	if u() >= pStall {
		return
	}
	if age >= 7*24*time.Hour {
		pp.stall, pp.stallStale = casework.StatusInDisposal, true
	} else {
		states := []casework.Status{
			casework.StatusPendingAccept, casework.StatusPendingVerify, casework.StatusPendingFile,
			casework.StatusPendingDispatch, casework.StatusDispatched, casework.StatusInDisposal,
			casework.StatusReturned, casework.StatusPendingCheck, casework.StatusPendingClose,
		}
		verifyW := 0.0
		if public || p.src == srcCamera {
			verifyW = 3
		}
		weights := newCumTable([]float64{1, verifyW, 1, 1, 1.5, 3, 0.8, 1.5, 1.5})
		pp.stall = states[weights.pick(u())]
		pp.stallLong = long
		pp.stallWide = u() < 0.5
	}
	// A case that stops open must not end on the way there.
	pp.rejectAccept, pp.rejectFile, pp.void, pp.verifyInvalid = false, false, false, false
	if pp.ret == retVoid {
		pp.ret = retRedispatch
	}
	switch pp.stall {
	case casework.StatusPendingVerify:
		pp.verify = true
		pp.selfHandle = false
	case casework.StatusReturned:
		if pp.ret == 0 {
			pp.ret = retRedispatch
		}
		pp.selfHandle = false
	case casework.StatusPendingClose:
	default:
		pp.selfHandle = false
	}
	if p.role == roleDuplicate {
		p.role, p.base = roleIndependent, -1 // a duplicate would be merged, not left open
	}
}
