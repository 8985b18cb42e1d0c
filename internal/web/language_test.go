package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
)

// TestLanguageCheckIsBounded: the checker's work and its answer are
// bounded for each request. The API refuses text over 100 KB with 413 and
// returns at most 200 findings, saying how many there were; the live check
// as a field is typed in refuses the field's text over the same size and
// lists at most as many.
func TestLanguageCheckIsBounded(t *testing.T) {
	f := newFixture(t)
	c := f.client("missing.ashvale")
	type answer struct {
		Findings  []vigil.TextFinding `json:"findings"`
		Total     int                 `json:"total"`
		Truncated bool                `json:"truncated"`
	}
	check := func(text string) (*http.Response, []byte, answer) {
		t.Helper()
		resp, body := f.do(c, "POST", "/api/v1/language/check", map[string]string{"text": text})
		var a answer
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatal(err)
			}
		}
		return resp, body, a
	}
	phrase := "She was missing through choice. "
	if resp, body, a := check(strings.Repeat(phrase, 3)); resp.StatusCode != 200 || len(a.Findings) != 3 || a.Total != 3 || a.Truncated {
		t.Errorf("three findings: %s %s", resp.Status, body)
	}
	many := strings.Repeat(phrase, 300)
	if resp, body, a := check(many); resp.StatusCode != 200 || len(a.Findings) != 200 || a.Total != 300 || !a.Truncated ||
		a.Findings[199].Start != 199*len(phrase)+8 {
		t.Errorf("300 findings: %s, %d findings, total %d, truncated %v (%.200s)", resp.Status, len(a.Findings), a.Total, a.Truncated, body)
	}
	limit := 100 << 10
	atLimit := strings.Repeat("a", limit-len(phrase)) + phrase
	if resp, body, a := check(atLimit); resp.StatusCode != 200 || a.Total != 1 {
		t.Errorf("100 KB exactly: %s %.200s", resp.Status, body)
	}
	resp, body, _ := check(atLimit + "x")
	if p := problem(t, resp, body); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(p.Detail, "102400 bytes") {
		t.Errorf("one byte over 100 KB: %s %+v", resp.Status, p)
	}

	// The live check.
	live := func(text string) (*http.Response, []byte) {
		t.Helper()
		form := url.Values{"field": {"purpose"}, "id": {"purpose"}, "purpose": {text}}
		return f.do(c, "POST", "/language/check", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	}
	resp, body = live(many)
	items := len(elements(body, "li", nil))
	more := texts(elements(body, "p", map[string]string{"class": "vigil-findings-more"}))
	if resp.StatusCode != 200 || items != 200 || len(more) != 1 || !strings.Contains(more[0], "100 more") {
		t.Errorf("live check of 300 findings: %s, %d listed, %q", resp.Status, items, more)
	}
	if resp, body := live(atLimit + "x"); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "too long to check") {
		t.Errorf("live check over 100 KB: %s %.200s", resp.Status, body)
	}
	// Other long fields in the same form do not count against it.
	form := url.Values{"field": {"purpose"}, "id": {"purpose"}, "purpose": {phrase}, "other": {strings.Repeat("b", 300<<10)}}
	if resp, body := f.do(c, "POST", "/language/check", form.Encode(), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 200 ||
		!strings.Contains(string(body), "missing through choice") {
		t.Errorf("a short field beside a long one: %s %.200s", resp.Status, body)
	}
}
