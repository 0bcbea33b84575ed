package seed

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/inspect"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// InspectInfo is what [Inspections] wrote.
type InspectInfo struct {
	Plans    int
	Drawn    int
	Outcomes int
}

// Inspections writes the demo city's 双随机一公开: three plans over an
// object list of shops, building sites and street vendors in every district
// and an inspector list of the demo's enforcers (with their certificate
// numbers) and two more officers per district, with declared conflicts.
// One plan was drawn about forty days ago and its results published (all
// but one: that one shows as overdue on the console, and the reminder job
// names it), one is committed and waits for its draw, one is a draft. The
// plans go through the service, as a leader's would, each step at its
// own time in the past; the seeds come from the demo seed, so a demo
// city is the same every time it is generated.
func Inspections(ctx context.Context, svc *inspect.Service, leader org.Actor, atlas *org.Atlas, officers map[string]inspect.Inspector,
	seed int64, now time.Time) (*InspectInfo, error) {
	info := &InspectInfo{}
	var districts []string
	for _, r := range atlas.Regions(org.LevelDistrict) {
		districts = append(districts, r.Code)
	}
	slices.Sort(districts)
	if len(districts) == 0 {
		return info, nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x15bec7))
	key := sha256.Sum256(fmt.Appendf(nil, "%d/inspection-seeds", seed))
	at := func(t time.Time) *inspect.Service {
		s := *svc
		s.Now = func() time.Time { return t }
		s.Rand = rand.NewChaCha8(key) // demo seeds are reproducible; a real node uses crypto/rand
		key = sha256.Sum256(key[:])
		return &s
	}

	streets := []string{"中山路", "解放路", "建设路", "人民路", "和平路", "新华路", "胜利路", "长江路"}
	kinds := []inspect.ObjectKind{inspect.KindShop, inspect.KindShop, inspect.KindSite, inspect.KindVendor}
	var objects []inspect.Object
	for i := 0; i < 8*len(districts); i++ {
		d := districts[i%len(districts)]
		k := kinds[i%len(kinds)]
		name := demoShops[rng.IntN(len(demoShops))]
		switch k {
		case inspect.KindSite:
			name = streets[rng.IntN(len(streets))] + "在建项目" + fmt.Sprint(i+1) + "号地块"
		case inspect.KindVendor:
			name = enforcerName(rng) + "流动摊点"
		}
		objects = append(objects, inspect.Object{ID: fmt.Sprintf("OBJ-%03d", i+1), Name: name, Kind: k, District: d,
			Address: fmt.Sprintf("%s%d号", streets[rng.IntN(len(streets))], 1+rng.IntN(300)), Contact: enforcerName(rng),
			Phone: fmt.Sprintf("139%08d", rng.IntN(100_000_000))})
	}
	var inspectors []inspect.Inspector
	for _, d := range districts {
		if o, ok := officers[d]; ok {
			inspectors = append(inspectors, o)
		}
		for j := 0; j < 2; j++ {
			inspectors = append(inspectors, inspect.Inspector{ID: fmt.Sprintf("INS-%s-%d", d, j+1), Name: enforcerName(rng),
				Certificate: fmt.Sprintf("3201%06d", 2000+10*slices.Index(districts, d)+j), District: d,
				Phone: fmt.Sprintf("138%08d", rng.IntN(100_000_000))})
		}
	}
	if o, ok := officers[""]; ok {
		inspectors = append(inspectors, o)
	}
	// A declared conflict: the first district's own officer runs a shop's
	// relative's business; a neighbouring district is excluded for another.
	conflicts := []inspect.Conflict{{Inspector: fmt.Sprintf("INS-%s-1", districts[0]), Object: "OBJ-001", Reason: "其配偶为该店经营者"}}
	if len(districts) > 1 {
		for i := range inspectors {
			if inspectors[i].ID == fmt.Sprintf("INS-%s-2", districts[0]) {
				inspectors[i].Excluded = []string{districts[1]}
			}
		}
	}

	day := func(n int) time.Time { return now.Add(time.Duration(n) * 24 * time.Hour) }
	plans := []struct {
		name, period string
		created      time.Time
		commit, draw time.Time // zero: not done
	}{
		{"2026年第三季度门前三包及占道经营双随机抽查", "2026年第三季度", day(-45), day(-43), day(-40)},
		{"2026年第四季度建筑工地扬尘双随机抽查", "2026年第四季度", day(-3), day(-2), time.Time{}},
		{"2027年第一季度流动摊贩双随机抽查（草拟）", "2027年第一季度", day(-1), time.Time{}, time.Time{}},
	}
	outcomes := []inspect.OutcomeKind{inspect.OutcomePassed, inspect.OutcomeRectify, inspect.OutcomePassed, inspect.OutcomeFailed, inspect.OutcomeReferred}
	notes := map[inspect.OutcomeKind]string{inspect.OutcomePassed: "门前整洁，未见占道经营", inspect.OutcomeRectify: "店外摆放货架约 4 平方米，责令当日整改",
		inspect.OutcomeFailed: "油烟净化设施未运行", inspect.OutcomeReferred: "拒不整改，移送立案调查"}
	for _, pl := range plans {
		in := inspect.PlanInput{Name: pl.name, Period: pl.period, Count: min(6, len(objects)), PerObject: 2,
			Objects: slices.Clone(objects), Inspectors: slices.Clone(inspectors), Conflicts: slices.Clone(conflicts)}
		p, err := at(pl.created).CreatePlan(ctx, leader, in)
		if err != nil {
			return nil, fmt.Errorf("demo inspection plan %q: %w", pl.name, err)
		}
		info.Plans++
		if pl.commit.IsZero() {
			continue
		}
		if _, err := at(pl.commit).Commit(ctx, leader, p.ID); err != nil {
			return nil, fmt.Errorf("commit demo inspection plan %q: %w", pl.name, err)
		}
		if pl.draw.IsZero() {
			continue
		}
		drawn, err := at(pl.draw).Draw(ctx, leader, p.ID)
		if err != nil {
			return nil, fmt.Errorf("draw demo inspection plan %q: %w", pl.name, err)
		}
		info.Drawn++
		for i, a := range drawn.Draw.Assignments {
			if i >= len(outcomes) {
				break // the last stays unreported: the console shows it overdue
			}
			inspected := pl.draw.Add(time.Duration(2+i) * 24 * time.Hour)
			k := outcomes[i]
			if _, err := at(inspected.Add(20*time.Hour)).RecordOutcome(ctx, leader, p.ID,
				inspect.OutcomeInput{Object: a.Object.ID, Kind: k, Note: notes[k], InspectedAt: inspected}); err != nil {
				return nil, fmt.Errorf("record a demo inspection outcome: %w", err)
			}
			info.Outcomes++
		}
	}
	return info, nil
}

// InspectionsOnDemo adds the random inspections to a demo city whose
// enforcement [EnforcementOnDemo] just wrote: the demo's leader writes and
// draws the plans, and the demo's enforcers are on the inspector list with
// the certificate numbers their penalty cases carry.
func InspectionsOnDemo(ctx context.Context, svc *inspect.Service, accs DemoAccounts, atlas *org.Atlas, seed int64, now time.Time) (*InspectInfo, error) {
	leader, err := accs.FindAccountByUsername(ctx, "leader")
	if err != nil {
		return nil, fmt.Errorf("demo inspections: find the demo leader: %w", err)
	}
	officers := map[string]inspect.Inspector{}
	if acc, err := accs.FindAccountByUsername(ctx, "enforcer"); err == nil {
		officers[""] = inspect.Inspector{ID: acc.ID, Name: acc.Name, Certificate: "3201000999"}
	}
	var districts []string
	for _, r := range atlas.Regions(org.LevelDistrict) {
		districts = append(districts, r.Code)
	}
	slices.Sort(districts)
	for i, d := range districts {
		if acc, err := accs.FindAccountByUsername(ctx, "enforcer_"+d); err == nil {
			officers[d] = inspect.Inspector{ID: acc.ID, Name: acc.Name, Certificate: fmt.Sprintf("3201%06d", 1000+i), District: d}
		}
	}
	return Inspections(ctx, svc, org.Actor{ID: leader.ID, Name: leader.Name, Grants: leader.Grants}, atlas, officers, seed, now)
}

// MobileEnforcementOnDemo adds to a demo city just written by [Run] its
// mobile enforcement ([EnforcementOnDemo]) and then its random inspections
// ([InspectionsOnDemo]), whose inspector list names the enforcers just made.
func MobileEnforcementOnDemo(ctx context.Context, accs DemoAccounts, st enforce.Store, insp *inspect.Service, atlas *org.Atlas, cal *worktime.Calendar,
	rb *enforce.Rulebook, policy enforce.Policy, v Depositor, seed int64, loopCases int, now time.Time) error {
	if _, err := EnforcementOnDemo(ctx, accs, st, atlas, cal, rb, policy, v, seed, loopCases, now); err != nil {
		return err
	}
	_, err := InspectionsOnDemo(ctx, insp, accs, atlas, seed, now)
	return err
}
