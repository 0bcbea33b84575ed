package councilwire

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"cityloop/internal/council"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// Counts are what a demo seeding wrote.
type Counts struct{ Volunteers, Activities, Topics int }

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰")
	skills   = []string{"急救", "垃圾分类宣传", "文明劝导", "交通疏导", "助老", "摄影", "法律咨询", "心理疏导"}
	titles   = []string{"背街小巷清洁日", "垃圾分类桶边督导", "文明交通劝导", "小广告清理"}
	topics   = []struct{ title, body, answer string }{
		{"小区周边增设非机动车停放点", "晚间电动车乱停占用盲道，建议在小区东门外增设停放点。", "同意在东门外设置停放区，由街道城管中队施划。"},
		{"早餐摊点规范经营时间", "早市摊点七点后仍占道，影响上班通行。", "划定疏导区，经营时间6:00–8:30，超时劝离。"},
		{"垃圾分类投放点除臭", "夏季投放点异味明显，请求增加清洗频次。", "环卫作业改为每日两次冲洗，并加装除臭设备。"},
		{"背街小巷路灯维修", "巷内多盏路灯损坏，夜间出行不便。", "已报市政维修，两周内完成。"},
		{"广场舞噪音时段", "晚间广场舞音量大，影响休息。", "约定21:00前结束，音量不超过60分贝。"},
	}
)

// states gives each community's topics a spread of states, so every state
// appears in every district of the demo.
var states = []council.State{council.Collecting, council.Voting, council.Answered, council.Following, council.Closed}

// Seed writes per community a few volunteers and one topic (states in
// turn), and per street one activity with two sign-ins; deterministic for
// seed. now anchors times: activities were last week.
func Seed(ctx context.Context, st council.Store, atlas *org.Atlas, seed int64, now time.Time, newID func() string) (Counts, error) {
	var n Counts
	rng := rand.New(rand.NewPCG(uint64(seed), 17))
	byCommunity := map[string][]string{}
	for i, c := range atlas.Regions(org.LevelCommunity) {
		for j := range 3 + rng.IntN(4) {
			v := &council.Volunteer{ID: newID(), Name: string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))]) + string(given[rng.IntN(len(given))]),
				Phone: fmt.Sprintf("139%08d", rng.IntN(100000000)), Community: c.Code, Skills: []string{skills[(i+j)%len(skills)]},
				CreatedAt: now.Add(-time.Duration(30+rng.IntN(300)) * 24 * time.Hour), Registered: "demo"}
			if err := st.AddVolunteer(ctx, v); err != nil {
				return n, fmt.Errorf("demo volunteer: %w", err)
			}
			byCommunity[c.Code] = append(byCommunity[c.Code], v.ID)
			n.Volunteers++
		}
		if err := seedTopic(ctx, st, c.Code, i, states[i%len(states)], byCommunity[c.Code], now, newID); err != nil {
			return n, err
		}
		n.Topics++
	}
	for i, s := range atlas.Regions(org.LevelStreet) {
		var community string
		for _, c := range atlas.Children(s.Code) {
			if len(byCommunity[c]) >= 2 {
				community = c
				break
			}
		}
		if community == "" {
			continue
		}
		reg, _ := atlas.Region(community)
		start := now.Truncate(24*time.Hour).AddDate(0, 0, -7-i%5).Add(time.Hour) // 09:00 in China
		a := &council.Activity{ID: newID(), Title: titles[i%len(titles)], Community: community, RadiusM: 300, Start: start, End: start.Add(3 * time.Hour),
			Place: geo.Point{Lng: (reg.Bounds.MinLng + reg.Bounds.MaxLng) / 2, Lat: (reg.Bounds.MinLat + reg.Bounds.MaxLat) / 2}}
		if err := st.AddActivity(ctx, a); err != nil {
			return n, fmt.Errorf("demo activity: %w", err)
		}
		for _, vid := range byCommunity[community][:2] {
			if err := st.SignIn(ctx, &council.Attendance{ActivityID: a.ID, VolunteerID: vid, In: a.Start, RecordedBy: "demo"}); err != nil {
				return n, fmt.Errorf("demo sign-in: %w", err)
			}
			if _, err := st.SignOut(ctx, a.ID, vid, a.End, a.Credit(a.Start, a.End)); err != nil {
				return n, fmt.Errorf("demo sign-out: %w", err)
			}
		}
		n.Activities++
	}
	return n, nil
}

// seedTopic writes one topic and walks it to state, with the opinions and
// votes of the community's volunteers on the way.
func seedTopic(ctx context.Context, st council.Store, community string, i int, state council.State, people []string, now time.Time, newID func() string) error {
	tc := topics[i%len(topics)]
	at := now.AddDate(0, 0, -40+i%20)
	t := &council.Topic{ID: newID(), Community: community, Title: tc.title, Body: tc.body, State: council.Collecting, CreatedAt: at, UpdatedAt: at, CreatedBy: "demo"}
	if err := st.AddTopic(ctx, t); err != nil {
		return fmt.Errorf("demo topic: %w", err)
	}
	for _, p := range people[:2] {
		if err := st.AddOpinion(ctx, &council.Opinion{TopicID: t.ID, Person: p, Text: "赞成，希望尽快落实。", At: at.Add(time.Hour)}); err != nil {
			return fmt.Errorf("demo opinion: %w", err)
		}
	}
	walk := []struct {
		a    council.Action
		note string
	}{{council.OpenVote, ""}, {council.Answer, tc.answer}, {council.FollowUp, "已落实，居民反映良好。"}, {council.Close, ""}}
	for k := 0; t.State != state; k++ {
		at = at.Add(72 * time.Hour)
		step, err := council.Apply(t, walk[k].a, walk[k].note, "demo", at)
		if err != nil {
			return fmt.Errorf("demo topic %s: %w", walk[k].a, err)
		}
		if err := st.SaveStep(ctx, t, step); err != nil {
			return fmt.Errorf("demo topic: %w", err)
		}
		if t.State == council.Voting {
			for j, p := range people {
				if err := st.AddVote(ctx, &council.Vote{TopicID: t.ID, Person: p, Yes: j%4 != 3, At: at.Add(time.Hour)}); err != nil {
					return fmt.Errorf("demo vote: %w", err)
				}
			}
		}
	}
	return nil
}
