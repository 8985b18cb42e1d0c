package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// element is one HTML element found in a page: its attributes and the text
// inside it (tags removed, entities decoded, spaces collapsed).
type element struct {
	attrs map[string]string
	text  string
}

var attrPattern = regexp.MustCompile(`([a-zA-Z_:-]+)(?:="([^"]*)")?`)

// elements finds the elements with this tag whose attributes include
// every one of want ("class" matches one class among several; "" as a
// value only asks that the attribute is there). The text runs to the first
// closing tag of the same name, which is enough for the small elements
// tests look at (a, li, p, h1, option, strong, time, input).
func elements(page []byte, tag string, want map[string]string) []element {
	var out []element
	src := string(page)
	open := regexp.MustCompile(`<` + tag + `\b([^>]*)>`)
	for _, m := range open.FindAllStringSubmatchIndex(src, -1) {
		attrs := map[string]string{}
		for _, a := range attrPattern.FindAllStringSubmatch(src[m[2]:m[3]], -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		ok := true
		for k, v := range want {
			got, has := attrs[k]
			switch {
			case !has:
				ok = false
			case k == "class":
				ok = ok && slices.Contains(strings.Fields(got), v)
			case v != "":
				ok = ok && got == v
			}
		}
		if !ok {
			continue
		}
		inner := src[m[1]:]
		if end := strings.Index(inner, "</"+tag+">"); end >= 0 {
			inner = inner[:end]
		} else {
			inner = ""
		}
		text := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(inner, " "))
		out = append(out, element{attrs: attrs, text: strings.Join(strings.Fields(text), " ")})
	}
	return out
}

// texts returns the text of each element found.
func texts(els []element) []string {
	out := make([]string, len(els))
	for i, e := range els {
		out[i] = e.text
	}
	return out
}

// has reports whether the page has an element of tag with these attributes
// whose text contains text.
func has(page []byte, tag string, attrs map[string]string, text string) bool {
	for _, e := range elements(page, tag, attrs) {
		if strings.Contains(e.text, text) {
			return true
		}
	}
	return false
}

// summaryLinks returns the error summary's entries as "#field: message".
func summaryLinks(page []byte) []string {
	i := strings.Index(string(page), `class="govuk-error-summary"`)
	if i < 0 {
		return nil
	}
	var out []string
	for _, a := range elements(page[i:], "a", map[string]string{"href": ""}) {
		if !strings.HasPrefix(a.attrs["href"], "#") {
			break
		}
		out = append(out, a.attrs["href"]+": "+a.text)
	}
	return out
}

// selectIn returns the markup of the select with this id.
func selectIn(page []byte, id string) []byte {
	return regexp.MustCompile(`(?s)<select\b[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>.*?</select>`).Find(page)
}

// post sends a form.
func (f *fixture) post(c *http.Client, path string, form url.Values) (*http.Response, []byte) {
	f.t.Helper()
	return f.do(c, "POST", path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// user reads an account through the API as c.
func (f *fixture) user(c *http.Client, id int64) vigil.User {
	f.t.Helper()
	resp, body := f.do(c, "GET", "/api/v1/users/"+itoa(id), nil)
	if resp.StatusCode != 200 {
		f.t.Fatalf("read user %d: %s %s", id, resp.Status, body)
	}
	var u vigil.User
	if err := json.Unmarshal(body, &u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}
