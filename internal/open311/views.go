package open311

import (
	"context"
	"fmt"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
)

// findRequests reads cases for GET requests, newest report first: their
// heads from [CaseReader] (the window on reported_at uses sqlstore's
// (reported_at, id) index; codes use the unique code index or the primary
// key), the reporter's photos (those of the report event; verification
// photos are appended to the case's own list later) and the media URL of
// an Open311 POST from [Store.MediaURLs].
func (s *Server) findRequests(ctx context.Context, q Query) ([]Request, error) {
	limit := q.Limit
	if limit <= 0 || limit > MaxRequests {
		limit = MaxRequests
	}
	var heads []*casework.Case
	var err error
	if len(q.Codes) > 0 {
		heads, err = s.CaseReader.FindCaseHeads(ctx, q.Codes, limit)
	} else {
		heads, err = s.CaseReader.FindCaseHeadsReported(ctx, q.From, q.To, q.Categories, q.Open, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("find open311 requests: %w", err)
	}
	ids := make([]string, len(heads))
	for i, c := range heads {
		ids[i] = c.ID
	}
	photos, err := s.CaseReader.ReportPhotos(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("find open311 requests: %w", err)
	}
	media := map[string]string{}
	if len(ids) > 0 {
		if media, err = s.Store.MediaURLs(ctx, ids); err != nil {
			return nil, fmt.Errorf("find open311 requests: %w", err)
		}
	}
	out := make([]Request, 0, max(len(heads), 64))
	for _, c := range heads {
		out = append(out, Request{CaseID: c.ID, Code: c.Code, Status: c.Status, Source: c.Source, Category: categoryOf(c),
			Description: c.Description, Address: c.Address, Lng: c.Point.Lng, Lat: c.Point.Lat, Department: c.Department,
			Suggested: c.Suggested, Photos: photos[c.ID], ReportedAt: c.ReportedAt, UpdatedAt: c.UpdatedAt, CaseDue: c.CaseDue,
			MediaURL: media[c.ID]})
	}
	return out, nil
}

// categoryOf is the dictionary ref of c's category, "" when unclassified.
func categoryOf(c *casework.Case) string {
	if c.Category == nil {
		return ""
	}
	return c.Category.String()
}

// findUpdates reads timeline events of [from, to), oldest first, with the
// number, source and status of their cases (see
// [CaseReader.FindEventsBetween]).
func (s *Server) findUpdates(ctx context.Context, from, to time.Time, limit int) ([]Update, error) {
	events, heads, err := s.CaseReader.FindEventsBetween(ctx, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("find updates: %w", err)
	}
	out := []Update{}
	for _, e := range events {
		c := heads[e.CaseID]
		if c == nil {
			continue // cannot happen: the events were read joined with their cases
		}
		out = append(out, Update{ID: e.ID, RequestCode: c.Code, Action: e.Action, Status: e.To, At: e.At, Note: e.Note,
			Photos: e.Photos, Source: c.Source, CaseStatus: c.Status})
	}
	return out, nil
}

// findCodeByToken returns the case number behind a token, or NotFound: the
// case id from [Store.FindCaseIDByToken], its number from [CaseReader].
func (s *Server) findCodeByToken(ctx context.Context, token string) (string, error) {
	id, err := s.Store.FindCaseIDByToken(ctx, token)
	if err != nil {
		return "", err
	}
	code, err := s.CaseReader.CaseCode(ctx, id)
	if errs.Is(err, errs.KindNotFound) {
		return "", errs.NotFound("token %s does not exist", token)
	}
	if err != nil {
		return "", fmt.Errorf("find token: %w", err)
	}
	return code, nil
}
