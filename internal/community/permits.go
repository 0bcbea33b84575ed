package community

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"cityloop/internal/geo"
	"cityloop/internal/merchant"
	"cityloop/internal/org"
	"cityloop/internal/permit"
)

// PermitStore is what DemoPermits writes through.
type PermitStore interface {
	CreatePermit(ctx context.Context, p *permit.Permit) error
	DecidePermit(ctx context.Context, p *permit.Permit, prefix string) error
}

// DemoPermits files n applications of every kind over the past months at
// some of the shops and decides them as a bureau would, so that the demo
// has permits in every state: under review (some of them late), granted
// and in force, granted and ending within the reminder's week, expired,
// and refused. Numbers come from the store, as in operation.
func DemoPermits(ctx context.Context, st PermitStore, svc *permit.Service, shops []*merchant.Merchant, seed int64, n int) (map[permit.Status]int, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 23))
	now := svc.Now().UTC()
	details := map[permit.Kind][]string{
		permit.KindOutdoorAd: {"门头招牌 6m×1.2m，LED 发光字", "墙面广告牌 4m×3m，内容为店铺宣传", "落地灯箱 1.2m×0.6m 一座"},
		permit.KindRoadUse:   {"门前人行道搭设临时促销台 3m×2m", "装修期间人行道堆放材料 10m²，设围挡", "开业庆典拱门一座，占用人行道 4 小时"},
		permit.KindMuck:      {"苏A·D1234 等 3 辆渣土车，22:00–次日05:00，工地至城东消纳场", "苏A·D5678 等 5 辆，经建设路、中山路至指定消纳场", "苏A·E2468 1 辆，白天 09:00–16:00 零星装修垃圾清运"},
	}
	count := map[permit.Status]int{}
	for i := 0; i < n && len(shops) > 0; i++ {
		shop := shops[rng.IntN(len(shops))]
		k := permit.Kinds[i%len(permit.Kinds)]
		// Filed between 1 and 120 days ago; the term starts a week later.
		sub := now.Add(-time.Duration(24+rng.IntN(120*24)) * time.Hour)
		from := sub.AddDate(0, 0, 7)
		to := from.AddDate(0, 0, 30+rng.IntN(k.MaxDays-30))
		state := i % 6 // 0, 1 under review; 2 in force; 3 ending soon; 4 expired; 5 refused
		switch state {
		case 0, 1:
			sub = now.Add(-time.Duration(1+rng.IntN(10*24)) * time.Hour) // recent: some lights green, some red
		case 3:
			to = now.Add(time.Duration(1+rng.IntN(6*24)) * time.Hour)
		case 4:
			to = now.Add(-time.Duration(1+rng.IntN(30*24)) * time.Hour)
		}
		if !to.After(from) {
			from = to.AddDate(0, 0, -30)
		}
		p := &permit.Permit{ID: fmt.Sprintf("permit-%04d", i+1), Kind: k.Kind, Status: permit.StatusSubmitted, Applicant: shop.Name, USCC: shop.USCC,
			Phone: shop.Contact.Phone, Address: shop.Address, Point: shop.Point, District: shop.District, Details: details[k.Kind][rng.IntN(3)],
			ValidFrom: from, ValidTo: to, SubmittedAt: sub, DueAt: svc.Cal.Deadline(sub, permit.ReviewLimit(k.Kind)).UTC(), Version: 1}
		if err := st.CreatePermit(ctx, p); err != nil {
			return count, fmt.Errorf("demo permit %s: %w", p.ID, err)
		}
		if state <= 1 {
			count[permit.StatusSubmitted]++
			continue
		}
		decided := svc.Cal.Deadline(sub, permit.ReviewLimit(k.Kind)).Add(-time.Duration(rng.IntN(20)) * time.Hour).UTC()
		p.DecidedAt, p.DecidedBy, p.Version = &decided, "demo", 2
		prefix := ""
		if state == 5 {
			p.Status, p.Reason = permit.StatusRejected, "设置位置位于禁设区域，不符合户外广告设置规划"
		} else {
			p.Status = permit.StatusApproved
			prefix = fmt.Sprintf("%s-%d-", map[permit.Kind]string{permit.KindOutdoorAd: "GG", permit.KindRoadUse: "ZD", permit.KindMuck: "ZT"}[k.Kind], decided.In(svc.Cal.Location()).Year())
		}
		if err := st.DecidePermit(ctx, p, prefix); err != nil {
			return count, fmt.Errorf("demo permit %s: %w", p.ID, err)
		}
		count[p.StatusAt(now)]++
	}
	return count, nil
}

// atlasLocator finds a point's district in the atlas of the moment.
func atlasLocator(atlas func() *org.Atlas) permit.Locator {
	return func(p geo.Point) (string, error) {
		loc, err := atlas().Locate(p)
		if err != nil {
			return "", err
		}
		return loc.District, nil
	}
}
