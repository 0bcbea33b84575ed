package web

import (
	"net/http"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/httpkit"
)

// suggestion is one proposed category as the pages show it.
type suggestion struct {
	Ref   string  `json:"ref"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
	Share float64 `json:"share"`
}

// suggestCategories ranks up to three sub-classes in force at for the
// words; the pages offer them as chips and never select one themselves.
func (s *Server) suggestCategories(l lang, text string, at time.Time) []suggestion {
	if len(text) > 2000 {
		text = text[:2000] // the form's maxlength; more says nothing new
	}
	d := s.World.Dict()
	var out []suggestion
	for _, g := range s.suggester.Suggest(text, 3, func(ref string) bool {
		r, err := catalog.ParseRef(ref)
		if err != nil {
			return false
		}
		_, ok := d.Lookup(r, at)
		return ok
	}) {
		r, _ := catalog.ParseRef(g.Ref)
		sc, _ := d.Lookup(r, at)
		out = append(out, suggestion{Ref: g.Ref, Name: l.pick([2]string{sc.Name.Zh, sc.Name.En}), Score: g.Score, Share: g.Share})
	}
	return out
}

// handleSuggest: GET /citizen/suggest?q=words. "ref" and "name" are the
// best guess (kept for older pages); "suggestions" holds up to three.
func (s *Server) handleSuggest(w http.ResponseWriter, r *http.Request) error {
	list := s.suggestCategories(s.langOf(w, r), r.URL.Query().Get("q"), s.Now())
	body := map[string]any{"ref": "", "suggestions": list}
	if len(list) > 0 {
		body["ref"], body["name"] = list[0].Ref, list[0].Name
	}
	return httpkit.WriteJSON(w, http.StatusOK, body)
}
