package app

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// citizenPost sends the citizen form as the page does: _csrf first, then
// the fields in order, then the photo when there is one.
func citizenPost(t *testing.T, b *browserClient, base string, fields [][2]string, photo bool) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	if photo {
		fw, _ := w.CreateFormFile("photos", "photo.png")
		_, _ = fw.Write(tinyPNG)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", base+"/citizen/report", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	return res, string(page)
}

var keptRe = regexp.MustCompile(`name="kept" value="([^"]+)"`)

// TestWeb_CitizenOutsideCity: a point outside the city comes back as the
// citizen form, in Chinese and the citizen layout, with the words, the pin
// and the photo kept; sending it again with a point inside files the case
// with that photo, without uploading it again.
func TestWeb_CitizenOutsideCity(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	b := newBrowserClient(t, base)
	_, _, tok := b.get("/citizen")
	words := "人行道井盖破损了很危险"
	res, page := citizenPost(t, b, base, [][2]string{{"_csrf", tok}, {"lng", "100.5"}, {"lat", "20.5"},
		{"description", words}, {"category", "component:0102"}, {"phone", "13900001111"}}, true)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("outside the city: %d, want 422", res.StatusCode)
	}
	for _, want := range []string{"不在本市范围内", "照片已保留", `shell-citizen`, `href="/citizen/track"`, words, `value="13900001111"`,
		`value="100.5"`, `<option value="component:0102" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, staff := range []string{"Unprocessable", `href="/signin"`, `href="/console"`} {
		if strings.Contains(page, staff) {
			t.Errorf("the page shows %q", staff)
		}
	}
	m := keptRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no kept photo in the form")
	}
	// A forged token is ignored: no photo, so the form comes back again.
	res, page = citizenPost(t, b, base, [][2]string{{"_csrf", tok}, {"kept", "deadbeef.AAAAAAAAAAAAAAAA"}, {"lng", "118.71"}, {"lat", "32.01"},
		{"description", words}}, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "请拍一张现场照片") {
		t.Fatalf("forged kept photo: %d", res.StatusCode)
	}
	res, _ = citizenPost(t, b, base, [][2]string{{"_csrf", tok}, {"kept", m[1]}, {"lng", "118.71"}, {"lat", "32.01"},
		{"description", words}, {"category", "component:0102"}}, false)
	loc := trackRe.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc == nil {
		t.Fatalf("inside the city with the kept photo: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	c, err := a.Store.FindCaseByCode(context.Background(), loc[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Photos) != 1 || c.Description != words || c.Category == nil || c.Category.String() != "component:0102" {
		t.Fatalf("case: photos %v, description %q, category %v", c.Photos, c.Description, c.Category)
	}

	// In English the same page is in English.
	_, _, _ = b.get("/citizen?lang=en")
	res, page = citizenPost(t, b, base, [][2]string{{"_csrf", tok}, {"lng", "100.5"}, {"lat", "20.5"}}, true)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "outside the city") {
		t.Fatalf("English: %d", res.StatusCode)
	}
}

// TestWeb_CitizenSuggest: the suggestion endpoint answers three ranked
// sub-classes, the object noun first.
func TestWeb_CitizenSuggest(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	var sug struct {
		Ref         string
		Suggestions []struct {
			Ref, Name string
			Score     float64
		}
	}
	login(t, base, "").do("GET", "/citizen/suggest?q="+url.QueryEscape("人行道井盖破损了很危险"), nil, &sug)
	if len(sug.Suggestions) != 3 || sug.Ref != sug.Suggestions[0].Ref || !strings.Contains(sug.Suggestions[0].Name, "井盖") {
		t.Fatalf("suggestions %+v", sug)
	}
	for _, s := range sug.Suggestions {
		if s.Ref == "component:0402" {
			t.Fatalf("行道树 suggested for a manhole cover: %+v", sug)
		}
	}
}
