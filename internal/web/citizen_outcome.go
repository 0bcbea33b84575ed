package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"cityloop/internal/blob"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
)

// The outcome on the citizen's tracking page: once the disposal has passed
// the supervisor's check (待结案 or 已结案), the reporter, holding the
// tracking key, sees the disposal (after) photos, the handler's reply (the
// note of the last 处置/自行处置) and a small map of the place. Before the
// check, a photo the supervisor may still reject is not shown as the
// result. A city that will not publish people's faces withholds the after
// photos (Server.WithholdAfterPhotos): blurring them would need a person
// detection model this build does not ship.

type trackOutcome struct {
	AfterPhotos []string // photo ids, served by /citizen/track/photo with the key
	Withheld    bool     // the city withholds the after photos
	Reply       string
	Geo         string // JSON: the point, for the small map
}

// outcomeStatuses are the statuses after a passed check.
var outcomeStatuses = []casework.Status{casework.StatusPendingClose, casework.StatusClosed}

func (s *Server) outcomeOf(c *casework.Case, tl []casework.Event) *trackOutcome {
	if !slices.Contains(outcomeStatuses, c.Status) {
		return nil
	}
	o := &trackOutcome{Geo: mustJSON(map[string]any{"point": []float64{c.Point.Lat, c.Point.Lng}})}
	if s.WithholdAfterPhotos {
		o.Withheld = len(c.AfterPhotos) > 0
	} else {
		o.AfterPhotos = c.AfterPhotos
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if e := tl[i]; e.Action == casework.ActDispose || e.Action == casework.ActSelfHandle {
			o.Reply = strings.TrimSpace(e.Note)
			break
		}
	}
	return o
}

// TrackingURL is the tracking page of a case with its key, under base
// (the city's public URL), for the notice sent when the case closes.
func TrackingURL(base string, secret []byte, caseID, code string) string {
	return strings.TrimSuffix(base, "/") + "/citizen/track?code=" + url.QueryEscape(code) + "&key=" + TrackingKey(secret, caseID)
}

// handleTrackPhoto serves one after photo of a case to whoever holds its
// tracking key, when the case shows its outcome and the city shows them.
// Every refusal is the same 404, so the page tells nothing to a guesser.
func (s *Server) handleTrackPhoto(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id := q.Get("id")
	missing := errs.NotFound("没有这张照片 / no such photo")
	if !blob.ValidID(id) || s.WithholdAfterPhotos {
		return missing
	}
	c, err := s.Cases.TrackCase(r.Context(), strings.TrimSpace(q.Get("code")))
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return missing
		}
		return err
	}
	if !s.keyMatches(c.ID, q.Get("key")) || !slices.Contains(outcomeStatuses, c.Status) || !slices.Contains(c.AfterPhotos, id) {
		return missing
	}
	f, err := s.Blobs.Open(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Referrer-Policy", "no-referrer")
	return httpkit.ServeSniffed(w, r, f, id, "private, max-age=300")
}
