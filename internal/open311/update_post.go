package open311

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/georeport"
)

// statusActions maps the status a client posts (Open311's OPEN and CLOSED
// and FixMyStreet's extended statuses) onto the loop's actions: the first
// of the list that the caller's posts allow on the case now is taken; when
// none is (a citizen's key, a status with no counterpart, a case in
// another state) the update lands on the timeline as a comment (留言).
//
//	OPEN                        → comment
//	INVESTIGATING               → sign (签收) when dispatched, send_verify (发核实) when awaiting acceptance
//	IN_PROGRESS                 → sign (签收)
//	ACTION_SCHEDULED            → sign (签收)
//	FIXED, CLOSED               → close (结案) when awaiting closure; a department's
//	                              disposal (处置反馈) needs a photo after the fix,
//	                              which an update does not carry: a comment
//	NOT_COUNCILS_RESPONSIBILITY → return (回退) by the department it was sent to,
//	                              reject (不予受理) while awaiting acceptance
//	INTERNAL_REFERRAL           → return (回退)
//	NO_FURTHER_ACTION, UNABLE_TO_FIX, WONT_FIX → reject (不予受理)
//	DUPLICATE                   → comment (merging needs the original case, which
//	                              an update does not name)
//
// The description is the action's note.
var statusActions = map[string][]casework.Action{
	"OPEN":                        nil,
	"INVESTIGATING":               {casework.ActSign, casework.ActSendVerify},
	"IN_PROGRESS":                 {casework.ActSign},
	"ACTION_SCHEDULED":            {casework.ActSign},
	"FIXED":                       {casework.ActClose},
	"CLOSED":                      {casework.ActClose},
	"NOT_COUNCILS_RESPONSIBILITY": {casework.ActReturn, casework.ActReject},
	"INTERNAL_REFERRAL":           {casework.ActReturn},
	"NO_FURTHER_ACTION":           {casework.ActReject},
	"UNABLE_TO_FIX":               {casework.ActReject},
	"WONT_FIX":                    {casework.ActReject},
	"DUPLICATE":                   nil,
}

func knownStatuses() []string {
	out := make([]string, 0, len(statusActions))
	for s := range statusActions {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// MappedAction is the action an update with status takes on c for a
// caller allowed to take the actions in allowed (casework.Allowed), or
// ActComment.
func MappedAction(status string, allowed []casework.Action) casework.Action {
	for _, a := range statusActions[status] {
		if slices.Contains(allowed, a) {
			return a
		}
	}
	return casework.ActComment
}

type updateResult struct {
	UpdateID string `json:"update_id" xml:"update_id"`
}

type updateResultsXML struct {
	XMLName xml.Name       `xml:"service_request_updates"`
	Updates []updateResult `xml:"request_update"`
}

// handlePostUpdate serves POST servicerequestupdates. It is idempotent on
// the caller's update_id: the first post of an update_id claims it, then
// the case moves (or gets the comment) and the claim records the event;
// a resent update_id answers the same event without touching the case
// again. The answer's update_id is that event's id, the one GET
// servicerequestupdates lists.
func (s *Server) handlePostUpdate(w http.ResponseWriter, r *http.Request, f format) error {
	form, err := readForm(r)
	if err != nil {
		return err
	}
	actor, _, err := s.actorFor(r, strings.TrimSpace(form.Get("api_key")))
	if err != nil {
		return err
	}
	u, err := ParseUpdateForm(form)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.Cases.Store.FindCaseByCode(ctx, u.ServiceRequestID)
	if errs.Is(err, errs.KindNotFound) {
		return apiError{http.StatusNotFound, "service_request_id " + u.ServiceRequestID + " was not found"}
	}
	if err != nil {
		return err
	}
	prev, claimed, err := s.Store.ClaimUpdate(ctx, georeport.Update{AccountID: actor.ID, UpdateID: u.UpdateID, CaseID: c.ID, CreatedAt: s.Now()})
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case prev.CaseID != c.ID:
			return apiError{http.StatusConflict, "update_id " + u.UpdateID + " was already used for another service request; send a new update_id"}
		case prev.EventID == "":
			return apiError{http.StatusConflict, "update_id " + u.UpdateID + " is being applied; send it again in a moment"}
		}
		res := []updateResult{{UpdateID: prev.EventID}}
		return write(w, f, http.StatusOK, res, updateResultsXML{Updates: res})
	}
	action := MappedAction(u.Status, casework.Allowed(c, actor))
	note := u.Description
	if u.MediaURL != "" {
		note += "\n[media_url] " + u.MediaURL
	}
	cmd := casework.Command{Action: action, Actor: actor, Note: note}
	var events []casework.Event
	if action == casework.ActComment {
		// Anyone with a key may comment on any request, as FixMyStreet
		// lets anyone update a report; a comment moves nothing.
		_, events, err = s.Cases.ActWithKey(ctx, c.ID, cmd)
	} else {
		_, events, err = s.Cases.Act(ctx, c.ID, cmd)
	}
	if err != nil || len(events) == 0 {
		if rerr := s.Store.ReleaseUpdate(ctx, actor.ID, u.UpdateID); rerr != nil && s.Log != nil {
			s.Log.Error("open311: release a refused update", "update_id", u.UpdateID, "err", rerr)
		}
		if err == nil {
			err = fmt.Errorf("%s on case %s recorded no event", action, c.Code)
		}
		return err
	}
	if err := s.Store.FinishUpdate(ctx, actor.ID, u.UpdateID, events[0].ID, action); err != nil {
		return err
	}
	res := []updateResult{{UpdateID: events[0].ID}}
	return write(w, f, http.StatusOK, res, updateResultsXML{Updates: res})
}
