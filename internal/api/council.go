package api

import (
	"log/slog"
	"net/http"
	"time"

	"cityloop/internal/council"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/pii"
)

// Volunteers and the community council (社区议事会). Every record belongs
// to one community; a caller reads and writes only those of the communities
// in his jurisdiction, and a refusal is audited. There is no volunteer
// account kind yet, so sign-ins, opinions and votes are recorded by staff
// (a shift lead or grid member at the activity or meeting) with the
// volunteer's or resident's id and, for a sign-in, the volunteer's position.

// volunteerView is a volunteer as listed: the phone masked.
type volunteerView struct {
	*council.Volunteer
	CommunityName string `json:"community_name"`
}

type volunteerRequest struct {
	Name      string   `json:"name"`
	Phone     string   `json:"phone"`
	Community string   `json:"community"` // the community's region code
	Skills    []string `json:"skills"`
}

type activityRequest struct {
	Title     string    `json:"title"`
	Community string    `json:"community"`
	Place     geo.Point `json:"place"` // WGS-84
	RadiusM   float64   `json:"radius_m"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

// signRequest is the body of a sign-in or sign-out: who, and where the
// volunteer stands (the phone's position, WGS-84).
type signRequest struct {
	VolunteerID string    `json:"volunteer_id"`
	Location    geo.Point `json:"location"`
}

type topicRequest struct {
	Community string `json:"community"`
	Title     string `json:"title"`
	Body      string `json:"body"`
}

// topicView is a topic with its state's name and what may be done next.
type topicView struct {
	*council.Topic
	StateName      string            `json:"state_name"`
	CommunityName  string            `json:"community_name"`
	AllowedActions []council.Action  `json:"allowed_actions"`
	Steps          []council.Step    `json:"steps,omitempty"`
	OpinionList    []council.Opinion `json:"opinion_list,omitempty"`
}

type topicAction struct {
	Action  council.Action `json:"action"`
	Note    string         `json:"note"`
	Version int            `json:"version"` // the version seen; 0 skips the check
}

type opinionRequest struct {
	Person string `json:"person"` // a volunteer's or resident's id
	Text   string `json:"text"`
}

type voteRequest struct {
	Person string `json:"person"`
	Yes    bool   `json:"yes"`
}

var councilListParams = map[string]bool{"community": true, "state": true, "limit": true, "offset": true}

// councilManagers register volunteers, activities and topics and record
// sign-ins; councilAnswerers also answer topics and follow them up;
// councilRecorders record opinions and votes at a meeting.
var (
	councilManagers  = []org.Post{org.PostAdmin, org.PostShiftLead}
	councilAnswerers = []org.Post{org.PostAdmin, org.PostShiftLead, org.PostLeader, org.PostStreetHead}
	councilRecorders = []org.Post{org.PostAdmin, org.PostShiftLead, org.PostGridMember, org.PostStreetHead}
)

func (s *Server) councilDesk() (*council.Service, error) {
	if s.Council == nil {
		return nil, errs.NotFound("本节点未提供志愿者与议事会 / volunteers and the council are not served on this node")
	}
	return s.Council, nil
}

// councilBody starts a create: the caller holds one of posts, the body
// decodes into a T, and the community it names is in his jurisdiction.
func councilBody[T any](s *Server, w http.ResponseWriter, r *http.Request, posts []org.Post, community func(*T) string) (org.Actor, *council.Service, *T, error) {
	actor, err := s.mustPost(r, posts...)
	if err != nil {
		return actor, nil, nil, err
	}
	desk, err := s.councilDesk()
	if err != nil {
		return actor, nil, nil, err
	}
	req := new(T)
	if err := httpkit.DecodeJSON(w, r, req, s.maxBody()); err != nil {
		return actor, nil, nil, err
	}
	if _, err := s.community(r, actor, community(req)); err != nil {
		return actor, nil, nil, err
	}
	return actor, desk, req, nil
}

// community checks that code is a community in actor's jurisdiction.
func (s *Server) community(r *http.Request, actor org.Actor, code string) (*org.Region, error) {
	reg, ok := s.World.Atlas().Region(code)
	if !ok || reg.Level != org.LevelCommunity {
		return nil, errs.Invalid("没有代码为 %s 的社区 / no community with code %s", code, code).WithField("community", "a community's region code")
	}
	if !s.Cases.ScopeOf(actor).Sees(reg.Level, reg.Code, s.World.Atlas().Within) {
		if err := s.audit(r, actor.ID, "council.denied", r.URL.Path, map[string]any{"community": code}); err != nil {
			slog.Error("audit of a refused council request", "err", err)
		}
		return nil, errs.Forbidden("%s不在您的辖区，只能管理本辖区社区的志愿者和议题 / %s is outside your jurisdiction", reg.Name, reg.Name)
	}
	return reg, nil
}

// communityName is a community's name, or its code when unknown.
func (s *Server) communityName(code string) string {
	if reg, ok := s.World.Atlas().Region(code); ok {
		return reg.Name
	}
	return code
}

// councilFilter reads a list's query: one community (checked) or every
// community the caller sees (nil for the whole city).
func (s *Server) councilFilter(r *http.Request, actor org.Actor) (council.Filter, error) {
	q := r.URL.Query()
	if err := unknownParams(q, councilListParams); err != nil {
		return council.Filter{}, err
	}
	bad := errs.Invalid("查询参数有误 / the query is not valid")
	var f council.Filter
	f.Limit, f.Offset = pageParams(q, bad, 50, 500)
	if st := council.State(q.Get("state")); st != "" {
		if _, ok := council.StateNames[st]; !ok {
			bad.WithField("state", "collecting, voting, answered, following or closed")
		}
		f.State = st
	}
	if len(bad.Fields) > 0 {
		return f, bad
	}
	if c := q.Get("community"); c != "" {
		if _, err := s.community(r, actor, c); err != nil {
			return f, err
		}
		f.Communities = []string{c}
		return f, nil
	}
	scope := s.Cases.ScopeOf(actor)
	if scope.All {
		return f, nil
	}
	f.Communities = []string{}
	atlas := s.World.Atlas()
	for _, reg := range atlas.Regions(org.LevelCommunity) {
		if scope.Sees(reg.Level, reg.Code, atlas.Within) {
			f.Communities = append(f.Communities, reg.Code)
		}
	}
	return f, nil
}

func (s *Server) handleVolunteerList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	desk, err := s.councilDesk()
	if err != nil {
		return err
	}
	f, err := s.councilFilter(r, actor)
	if err != nil {
		return err
	}
	f.State = ""
	list, total, err := desk.Store.FindVolunteers(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]volunteerView, len(list))
	for i, v := range list {
		v.Phone = pii.MaskPhone(v.Phone)
		items[i] = volunteerView{Volunteer: v, CommunityName: s.communityName(v.Community)}
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (s *Server) handleVolunteerCreate(w http.ResponseWriter, r *http.Request) error {
	actor, desk, req, err := councilBody(s, w, r, councilManagers, func(q *volunteerRequest) string { return q.Community })
	if err != nil {
		return err
	}
	v := &council.Volunteer{Name: req.Name, Phone: req.Phone, Community: req.Community, Skills: req.Skills}
	if v.Skills == nil {
		v.Skills = []string{}
	}
	if err := desk.Register(r.Context(), v, actor.ID); err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "volunteer.register", "volunteer/"+v.ID, map[string]any{"community": v.Community}); err != nil {
		return err
	}
	v.Phone = pii.MaskPhone(v.Phone)
	return httpkit.WriteJSON(w, http.StatusCreated, volunteerView{Volunteer: v, CommunityName: s.communityName(v.Community)})
}

func (s *Server) handleActivityList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	desk, err := s.councilDesk()
	if err != nil {
		return err
	}
	f, err := s.councilFilter(r, actor)
	if err != nil {
		return err
	}
	list, total, err := desk.Store.FindActivities(r.Context(), f)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

func (s *Server) handleActivityCreate(w http.ResponseWriter, r *http.Request) error {
	actor, desk, req, err := councilBody(s, w, r, councilManagers, func(q *activityRequest) string { return q.Community })
	if err != nil {
		return err
	}
	a := &council.Activity{Title: req.Title, Community: req.Community, Place: req.Place, RadiusM: req.RadiusM, Start: req.Start.UTC(), End: req.End.UTC()}
	if err := desk.AddActivity(r.Context(), a); err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "volunteer.activity", "activity/"+a.ID, map[string]any{"community": a.Community}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, a)
}

// signedActivity reads a sign-in or sign-out: the activity (in the
// caller's jurisdiction) and the body.
func (s *Server) signedActivity(w http.ResponseWriter, r *http.Request) (org.Actor, *council.Service, *council.Activity, signRequest, error) {
	var req signRequest
	actor, err := s.mustPost(r, councilRecorders...)
	if err != nil {
		return actor, nil, nil, req, err
	}
	desk, err := s.councilDesk()
	if err != nil {
		return actor, nil, nil, req, err
	}
	a, err := desk.Store.FindActivity(r.Context(), r.PathValue("id"))
	if err != nil {
		return actor, nil, nil, req, err
	}
	if _, err := s.community(r, actor, a.Community); err != nil {
		return actor, nil, nil, req, err
	}
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return actor, nil, nil, req, err
	}
	if req.VolunteerID == "" {
		return actor, nil, nil, req, errs.Invalid("请填写志愿者编号 / give the volunteer's id").WithField("volunteer_id", "the volunteer's id")
	}
	return actor, desk, a, req, nil
}

func (s *Server) handleActivitySignIn(w http.ResponseWriter, r *http.Request) error {
	actor, desk, a, req, err := s.signedActivity(w, r)
	if err != nil {
		return err
	}
	att, err := desk.SignIn(r.Context(), a, req.VolunteerID, req.Location, actor.ID)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "volunteer.signin", "activity/"+a.ID, map[string]any{"volunteer": req.VolunteerID}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, att)
}

func (s *Server) handleActivitySignOut(w http.ResponseWriter, r *http.Request) error {
	actor, desk, a, req, err := s.signedActivity(w, r)
	if err != nil {
		return err
	}
	att, err := desk.SignOut(r.Context(), a, req.VolunteerID, req.Location)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "volunteer.signout", "activity/"+a.ID, map[string]any{"volunteer": req.VolunteerID, "hours": att.Hours}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, att)
}

func (s *Server) topicView(t *council.Topic) topicView {
	return topicView{Topic: t, StateName: council.StateNames[t.State][0], CommunityName: s.communityName(t.Community), AllowedActions: council.Allowed(t.State)}
}

func (s *Server) handleTopicList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	desk, err := s.councilDesk()
	if err != nil {
		return err
	}
	f, err := s.councilFilter(r, actor)
	if err != nil {
		return err
	}
	list, total, err := desk.Store.FindTopics(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]topicView, len(list))
	for i, t := range list {
		items[i] = s.topicView(t)
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (s *Server) handleTopicCreate(w http.ResponseWriter, r *http.Request) error {
	actor, desk, req, err := councilBody(s, w, r, councilManagers, func(q *topicRequest) string { return q.Community })
	if err != nil {
		return err
	}
	t := &council.Topic{Community: req.Community, Title: req.Title, Body: req.Body}
	if err := desk.AddTopic(r.Context(), t, actor.ID); err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "council.topic", "topic/"+t.ID, map[string]any{"community": t.Community}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, s.topicView(t))
}

// topic reads the path's topic, in the caller's jurisdiction.
func (s *Server) topic(r *http.Request, posts ...org.Post) (org.Actor, *council.Service, *council.Topic, error) {
	actor, err := s.mustPost(r, posts...)
	if err != nil {
		return actor, nil, nil, err
	}
	desk, err := s.councilDesk()
	if err != nil {
		return actor, nil, nil, err
	}
	t, err := desk.Store.FindTopic(r.Context(), r.PathValue("id"))
	if err != nil {
		return actor, nil, nil, err
	}
	if _, err := s.community(r, actor, t.Community); err != nil {
		return actor, nil, nil, err
	}
	return actor, desk, t, nil
}

func (s *Server) handleTopicView(w http.ResponseWriter, r *http.Request) error {
	_, desk, t, err := s.topic(r)
	if err != nil {
		return err
	}
	v := s.topicView(t)
	if v.Steps, err = desk.Store.Steps(r.Context(), t.ID); err != nil {
		return err
	}
	if v.OpinionList, err = desk.Store.Opinions(r.Context(), t.ID, 500); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, v)
}

func (s *Server) handleTopicAction(w http.ResponseWriter, r *http.Request) error {
	actor, desk, t, err := s.topic(r, councilAnswerers...)
	if err != nil {
		return err
	}
	var req topicAction
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	from := t.State
	if err := desk.Act(r.Context(), t, req.Action, req.Note, actor.ID, req.Version); err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "council."+string(req.Action), "topic/"+t.ID, map[string]any{"from": from, "to": t.State}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, s.topicView(t))
}

// recordOnTopic records what a person said at a meeting (an opinion, a
// vote) on the path's topic: decode a T, let record store it and say who,
// audit it as action.
func recordOnTopic[T any](s *Server, w http.ResponseWriter, r *http.Request, action string,
	record func(desk *council.Service, t *council.Topic, req *T) (any, string, error)) error {
	actor, desk, t, err := s.topic(r, councilRecorders...)
	if err != nil {
		return err
	}
	req := new(T)
	if err := httpkit.DecodeJSON(w, r, req, s.maxBody()); err != nil {
		return err
	}
	out, person, err := record(desk, t, req)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, action, "topic/"+t.ID, map[string]any{"person": person}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Server) handleTopicOpinion(w http.ResponseWriter, r *http.Request) error {
	return recordOnTopic(s, w, r, "council.opinion", func(desk *council.Service, t *council.Topic, req *opinionRequest) (any, string, error) {
		o := &council.Opinion{Person: req.Person, Text: req.Text}
		return o, o.Person, desk.Opine(r.Context(), t, o)
	})
}

func (s *Server) handleTopicVote(w http.ResponseWriter, r *http.Request) error {
	return recordOnTopic(s, w, r, "council.vote", func(desk *council.Service, t *council.Topic, req *voteRequest) (any, string, error) {
		v := &council.Vote{Person: req.Person, Yes: req.Yes}
		return v, v.Person, desk.Vote(r.Context(), t, v)
	})
}
