package demo

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/org"
)

var (
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	givenNames = []string{
		"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平",
		"刚", "桂英", "建华", "建国", "志强", "晓东", "海燕", "丹", "鹏", "婷", "宇", "浩", "晨", "欣怡", "子涵", "俊杰", "雪梅", "玉兰", "文博", "思远",
	}
)

// personName is a plausible Chinese name for the n-th person of this seed.
func personName(seed int64, n int) string {
	h := mix(uint64(seed) ^ mix(uint64(n)+0x51a7))
	return string(surnames[h%uint64(len(surnames))]) + givenNames[(h>>20)%uint64(len(givenNames))]
}

// TopDepartment is the department that the demo's mix of cases routes to
// most often under dict (city-wide rules and default departments), found by
// weighting every sub-class in force at `at` as the generator does. The
// "handler" demo account belongs to it, so its task list is the busiest.
func TopDepartment(dict *catalog.Dictionary, at time.Time) string {
	cm := newCategoryMix(dict, at)
	score := map[string]float64{}
	for si, src := range sources {
		t := cm.tables[si]
		for m := range t {
			total := t[m].total()
			if total == 0 {
				continue
			}
			for k, ref := range cm.refs {
				w := t[m].weight(k)
				if w == 0 {
					continue
				}
				if sg, ok := dict.Route(ref, []string{CityCode}, at); ok {
					score[sg.Department] += src.share * w / total
				}
			}
		}
	}
	best, bestScore := "", -1.0
	for _, d := range dict.Departments() {
		if s := score[d.Code]; s > bestScore {
			best, bestScore = d.Code, s
		}
	}
	return best
}

// Accounts returns the demo staff, all with passwordHash (the hash of
// "demo"): one account per post under a fixed username —
//
//	supervisor   监督员, bound to the first street of the first district (the busiest beat)
//	gridmember   网格员, bound to the first community of that street
//	streetchief  街长, bound to that street
//	operator     受理员
//	shiftlead    值班长
//	dispatcher   派遣员
//	handler      处置单位, bound to [TopDepartment]
//	leader       领导
//	admin        系统管理员
//
// plus handler_<department code> for every other department of dict, and
// supervisor_<street code> for every other street, so each street has a
// patrol whose name appears on its cases.
func Accounts(seed int64, regions []org.Region, dict *catalog.Dictionary, passwordHash string, now time.Time) []org.Account {
	from := validFrom(now)
	var streets, communities []string
	for _, r := range regions {
		switch r.Level {
		case org.LevelStreet:
			streets = append(streets, r.Code)
		case org.LevelCommunity:
			communities = append(communities, r.Code)
		}
	}
	slices.Sort(streets)
	slices.Sort(communities)
	home, homeCommunity := "", ""
	if len(streets) > 0 {
		home = streets[0]
	}
	for _, c := range communities {
		if strings.HasPrefix(c, home) {
			homeCommunity = c
			break
		}
	}
	var out []org.Account
	n := 0
	add := func(username, name string, g org.Grant) {
		n++
		if name == "" {
			name = personName(seed, n)
		}
		out = append(out, org.Account{
			ID: idFor(seed, from, "account:"+username), Username: username, Name: name, PasswordHash: passwordHash,
			Grants: []org.Grant{g}, CreatedAt: from,
		})
	}
	add("supervisor", "", org.Grant{Post: org.PostSupervisor, Region: home})
	add("gridmember", "", org.Grant{Post: org.PostGridMember, Region: homeCommunity})
	add("streetchief", "", org.Grant{Post: org.PostStreetHead, Region: home})
	add("operator", "", org.Grant{Post: org.PostOperator})
	add("shiftlead", "", org.Grant{Post: org.PostShiftLead})
	add("dispatcher", "", org.Grant{Post: org.PostDispatcher})
	top := TopDepartment(dict, now)
	depts := dict.Departments()
	slices.SortFunc(depts, func(a, b catalog.Department) int { return cmp.Compare(a.Code, b.Code) })
	for _, d := range depts {
		if d.Code == top {
			add("handler", d.Name.Zh+" "+personName(seed, n+1), org.Grant{Post: org.PostHandler, Department: d.Code})
		}
	}
	add("leader", "", org.Grant{Post: org.PostLeader})
	add("admin", "", org.Grant{Post: org.PostAdmin})
	for _, d := range depts {
		if d.Code != top {
			add("handler_"+d.Code, d.Name.Zh+" "+personName(seed, n+1), org.Grant{Post: org.PostHandler, Department: d.Code})
		}
	}
	for _, s := range streets {
		if s != home {
			add("supervisor_"+s, "", org.Grant{Post: org.PostSupervisor, Region: s})
		}
	}
	return out
}
