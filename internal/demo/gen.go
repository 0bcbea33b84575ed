package demo

import (
	"cityloop/internal/address"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// gen holds what every case's simulation reads; it is never written after
// newGen, so the workers share it.
type gen struct {
	seed   int64
	n      int
	now    time.Time
	svc    *casework.Service
	cal    *worktime.Calendar
	dict   *catalog.Dictionary
	loc    *time.Location
	tl     *timeline
	cats   *categoryMix
	places *places
	roads  *address.Index // the lattice roads, for addresses
	staff  staff
	photos photoSet
}

// staff are the actors of the simulation, taken from the demo accounts.
type staff struct {
	operator, shiftLead, dispatcher, leader org.Actor
	supervisors                             map[string]org.Actor // by street code
	anySupervisor                           org.Actor
	handlers                                map[string]org.Actor // by department code
	camera, sensor, partner, citizen        org.Actor
	gridMember, streetChief                 org.Actor
}

func actorOf(a org.Account) org.Actor { return org.Actor{ID: a.ID, Name: a.Name, Grants: a.Grants} }

// machine is a platform that reports by itself; sources are the channels
// it is granted beyond the system's own (camera, sensor, hotline).
func machine(name string, sources ...string) org.Actor {
	return org.Actor{ID: org.SystemActor.ID, Name: name, Grants: []org.Grant{{Post: org.PostSystem}}, Sources: sources}
}

func newStaff(accounts []org.Account) (staff, error) {
	s := staff{supervisors: map[string]org.Actor{}, handlers: map[string]org.Actor{},
		camera: machine("AI视频分析平台"), sensor: machine("物联感知平台"), partner: machine("部门数据共享平台", string(casework.SourcePartner)),
		citizen: org.Actor{ID: "", Name: "市民", Grants: []org.Grant{{Post: org.PostCitizen}}}}
	for _, a := range accounts {
		if len(a.Grants) == 0 {
			continue
		}
		g := a.Grants[0]
		switch g.Post {
		case org.PostOperator:
			s.operator = actorOf(a)
		case org.PostShiftLead:
			s.shiftLead = actorOf(a)
		case org.PostDispatcher:
			s.dispatcher = actorOf(a)
		case org.PostLeader:
			s.leader = actorOf(a)
		case org.PostSupervisor:
			s.supervisors[g.Region] = actorOf(a)
			if a.Username == "supervisor" {
				s.anySupervisor = actorOf(a)
			}
		case org.PostHandler:
			s.handlers[g.Department] = actorOf(a)
		case org.PostGridMember:
			s.gridMember = actorOf(a)
		case org.PostStreetHead:
			s.streetChief = actorOf(a)
		}
	}
	if s.operator.ID == "" || s.shiftLead.ID == "" || s.dispatcher.ID == "" || s.leader.ID == "" || s.anySupervisor.ID == "" {
		return s, fmt.Errorf("demo: the accounts lack a post the simulation needs")
	}
	return s, nil
}

func (s *staff) supervisor(street string) org.Actor {
	if a, ok := s.supervisors[street]; ok {
		return a
	}
	return s.anySupervisor
}

// checker is who verifies and checks on site in a community: its grid
// member now and then, otherwise the street's supervisor.
func (s *staff) checker(community, street string, rng *rand.Rand) org.Actor {
	if g, ok := s.gridMember.Grant(org.PostGridMember); ok && g.Region == community && rng.IntN(2) == 0 {
		return s.gridMember
	}
	return s.supervisor(street)
}

// urger is who urges a slow disposal: the street chief in his street now
// and then, otherwise the dispatcher.
func (s *staff) urger(street string, rng *rand.Rand) org.Actor {
	if g, ok := s.streetChief.Grant(org.PostStreetHead); ok && g.Region == street && rng.IntN(3) == 0 {
		return s.streetChief
	}
	return s.dispatcher
}

func (s *staff) handler(dept string) org.Actor {
	if a, ok := s.handlers[dept]; ok {
		return a
	}
	// A department added after the accounts were made: act for it anyway.
	return org.Actor{ID: "demo-handler-" + dept, Name: "处置人员", Grants: []org.Grant{{Post: org.PostHandler, Department: dept}}}
}

func newGen(svc *casework.Service, opt Options, accounts []org.Account, photos photoSet) (*gen, error) {
	st, err := newStaff(accounts)
	if err != nil {
		return nil, err
	}
	g := &gen{
		seed: opt.Seed, n: opt.Cases, now: opt.Now, svc: svc, cal: svc.Cal, dict: svc.Dict(),
		loc: svc.Cal.Location(), staff: st, photos: photos,
	}
	g.tl = newTimeline(opt.Now, g.cal)
	g.cats = newCategoryMix(g.dict, opt.Now)
	if len(g.cats.refs) == 0 {
		return nil, fmt.Errorf("demo: the dictionary has no sub-class in force")
	}
	g.places = newPlaces(opt.Seed, svc.Atlas())
	g.roads = address.New(Roads(), nil)
	if len(g.places.comms) == 0 {
		return nil, fmt.Errorf("demo: the atlas has no community with grids")
	}
	return g, nil
}

// simulate builds case i and its timeline.
func (g *gen) simulate(i int) (*casework.Case, []casework.Event, error) {
	p := g.plan(i)
	w, err := g.walk(p)
	if err != nil {
		return nil, nil, fmt.Errorf("demo case %d (%s, %s): %w", i, p.ref, p.at.Format(time.RFC3339), err)
	}
	evs := w.evs
	for k := range evs {
		evs[k].Seq = k + 1
		evs[k].ID = eventID(g.seed, i, k+1, evs[k].At)
		evs[k].CaseID = w.c.ID
	}
	c := w.c
	return &c, evs, nil
}

// description is the report text, in the voice of its channel.
func description(src int, sub catalog.SubClass, cond catalog.Condition, addr string) string {
	var b strings.Builder
	switch src {
	case srcPatrol:
		b.WriteString("巡查发现：")
	case srcCitizen:
		b.WriteString("市民随手拍反映：")
	case srcHotline:
		b.WriteString("12345热线来电反映：")
	case srcCamera:
		b.WriteString("AI视频识别告警：")
	case srcSensor:
		b.WriteString("物联感知设备告警：")
	case srcPartner:
		b.WriteString("部门共享线索：")
	case srcLeader:
		b.WriteString("领导交办：")
	}
	b.WriteString(addr)
	b.WriteString(sub.Name.Zh)
	b.WriteString("，")
	b.WriteString(cond.Text.Zh)
	b.WriteString("。")
	return b.String()
}
