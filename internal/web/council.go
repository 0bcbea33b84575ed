package web

import (
	"cityloop/internal/council"
	"net/http"
	"strconv"
	"time"
)

// The council page (/console/council): a read-only view of the topics and
// volunteers of the signed-in staff member's communities, through the API
// (so the jurisdiction is the API's). Recording is done by the API for now.
// It shows the newest 20 of each with the totals: a phone can hold that.

func init() {
	for k, v := range councilMessages {
		messages[k] = v
	}
}

var councilMessages = map[string][2]string{
	"co_title":      {"志愿者与社区议事会", "Volunteers and community council"},
	"co_topics":     {"议事会议题", "Council topics"},
	"co_volunteers": {"志愿者", "Volunteers"},
	"co_topic":      {"议题", "Topic"},
	"co_community":  {"社区", "Community"},
	"co_state":      {"状态", "State"},
	"co_votes":      {"赞成/反对", "Yes / no"},
	"co_opinions":   {"意见", "Opinions"},
	"co_answer":     {"答复", "Answer"},
	"co_name":       {"姓名", "Name"},
	"co_phone":      {"电话", "Phone"},
	"co_skills":     {"特长", "Skills"},
	"co_hours":      {"服务时长（小时）", "Hours served"},
	"co_total":      {"共", "Total"},
	"co_none":       {"暂无", "None yet"},
}

type councilTopicRow struct {
	Title, Community, State, Votes, Answer string
	Opinions                               int
}

type councilVolunteerRow struct {
	Name, Community, Phone, Skills, Hours string
}

type councilPage struct {
	Topics                     []councilTopicRow
	Volunteers                 []councilVolunteerRow
	TopicTotal, VolunteerTotal int
}

func (s *Server) councilRoutes(mux *http.ServeMux) {
	mux.Handle("GET /console/council", s.page(s.handleCouncilPage))
}

func (s *Server) handleCouncilPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("co_title")
	var topics struct {
		Items []struct {
			Title         string `json:"title"`
			CommunityName string `json:"community_name"`
			State         string `json:"state"`
			Yes           int    `json:"yes"`
			No            int    `json:"no"`
			Opinions      int    `json:"opinions"`
			Answer        string `json:"answer"`
		}
		Total int
	}
	if err := s.apiCall(r, http.MethodGet, "/api/v1/council/topics?limit=20", nil, &topics); err != nil {
		return err
	}
	var vols struct {
		Items []struct {
			Name          string    `json:"name"`
			CommunityName string    `json:"community_name"`
			Phone         string    `json:"phone"`
			Skills        []string  `json:"skills"`
			Hours         float64   `json:"hours"`
			CreatedAt     time.Time `json:"created_at"`
		}
		Total int
	}
	if err := s.apiCall(r, http.MethodGet, "/api/v1/volunteers?limit=20", nil, &vols); err != nil {
		return err
	}
	p := &councilPage{TopicTotal: topics.Total, VolunteerTotal: vols.Total}
	for _, t := range topics.Items {
		name := v.L.pick(council.StateNames[council.State(t.State)])
		p.Topics = append(p.Topics, councilTopicRow{Title: t.Title, Community: t.CommunityName, State: name,
			Votes: strconv.Itoa(t.Yes) + " / " + strconv.Itoa(t.No), Opinions: t.Opinions, Answer: t.Answer})
	}
	for _, x := range vols.Items {
		skills := ""
		for i, k := range x.Skills {
			if i > 0 {
				skills += "、"
			}
			skills += k
		}
		p.Volunteers = append(p.Volunteers, councilVolunteerRow{Name: x.Name, Community: x.CommunityName, Phone: x.Phone,
			Skills: skills, Hours: strconv.FormatFloat(x.Hours, 'f', -1, 64)})
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "council", v)
	return nil
}
