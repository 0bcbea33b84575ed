package web

import (
	"net/http"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// fieldPosts are the posts whose work is out on the street: a person who
// holds only these lands on the field app after signing in, and the
// field app's task links open the phone case page below.
var fieldPosts = map[org.Post]bool{org.PostSupervisor: true, org.PostGridMember: true, org.PostHandler: true}

// landing is where a sign-in without a requested page leads: the field
// app for field posts alone, the console for anyone who also holds a desk
// post (their queues are there, and the field app is one link away).
func landing(grants []org.Grant) string {
	if len(grants) == 0 {
		return "/console"
	}
	for _, g := range grants {
		if !fieldPosts[g.Post] {
			return "/console"
		}
	}
	return "/field"
}

// fieldActions are the actions the phone case page offers as big buttons;
// any other action the person may take is on the console's case page.
var fieldActions = []casework.Action{casework.ActVerify, casework.ActCheck, casework.ActSign, casework.ActDispose, casework.ActSelfHandle}

type fieldCasePage struct {
	C                         *casework.Case
	Status, Category, Place   string
	Light                     worktime.Light
	LightName, Due            string
	Geo                       string       // JSON: the point, for the small map
	Actions                   []actionForm // the field actions allowed now
	More                      bool         // other actions are allowed: on the console's page
	Timeline                  []eventRow   // the latest few steps, newest first
	PhotosBefore, PhotosAfter []string
}

// loadFieldCase reads one case for the phone page: the facts a person on
// the street needs, the before and after photos, and the field actions.
// The reporter's contact details are not on it (the console's page has
// them, audited), so the page may sit in a phone's history.
func (s *Server) loadFieldCase(r *http.Request, l lang, a org.Actor, id string) (*fieldCasePage, error) {
	c, tl, err := s.Cases.FindCaseWithTimeline(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	p := &fieldCasePage{C: c, Status: l.pick(casework.StatusNames[c.Status]), Category: s.categoryName(l, c),
		Place: s.placeName(c), Light: c.Light(now), Due: "—", PhotosBefore: c.Photos, PhotosAfter: c.AfterPhotos}
	p.LightName = lightName(l, p.Light)
	if c.StageDue != nil {
		p.Due = c.StageDue.In(l.loc).Format("01-02 15:04")
	}
	p.Geo = mustJSON(map[string]any{"point": []float64{c.Point.Lat, c.Point.Lng}})
	allowed := casework.Allowed(c, a)
	for _, act := range allowed {
		if slicesContains(fieldActions, act) {
			p.Actions = append(p.Actions, formFor(l, act))
		} else {
			p.More = true
		}
	}
	for i := len(tl) - 1; i >= 0 && len(p.Timeline) < 5; i-- {
		e := tl[i]
		p.Timeline = append(p.Timeline, eventRow{At: e.At, Action: l.pick(casework.ActionNames[e.Action]),
			Post: l.pick(org.PostNames[e.Post]), To: l.pick(casework.StatusNames[e.To]), Note: e.Note})
	}
	return p, nil
}

func (s *Server) handleFieldCase(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "field")
	p, err := s.loadFieldCase(r, v.L, sess.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Title, v.Data = p.C.Code, p
	s.render(w, r, http.StatusOK, "fieldcase", v)
	return nil
}

// handleFieldAct takes a field action from the phone case page and goes
// back to the task list; a refusal shows the case page again with the
// message, so the person can fix it there.
func (s *Server) handleFieldAct(w http.ResponseWriter, r *http.Request) error {
	return s.postAction(w, r, actionPage{shell: "field", template: "fieldcase",
		load: func(r *http.Request, l lang, a org.Actor, id string) (string, any, error) {
			p, err := s.loadFieldCase(r, l, a, id)
			if err != nil {
				return "", nil, err
			}
			return p.C.Code, p, nil
		},
		next: func(_ *http.Request, _ *casework.Case, cmd casework.Command) string {
			return "/field?done=" + string(cmd.Action)
		}})
}

// asShowable is err as a message to show on the form again: a refusal the
// person can fix, not a failure or a case they may not see.
func asShowable(err error) (*errs.Error, bool) {
	e, ok := errs.As(err)
	return e, ok && e.Kind != errs.KindInternal && e.Kind != errs.KindNotFound
}
