package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
)

// jsonStrings decodes every string of a JSON document, member names
// included and duplicates kept, in order, or reports that it is not JSON.
func jsonStrings(body []byte) ([]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out, err.Error() == "EOF"
		}
		if s, ok := tok.(string); ok {
			out = append(out, s)
		}
	}
}

// FuzzJSONText: checkJSONText never panics; a JSON document it passes
// decodes to no string holding a NUL, and to no more U+FFFD than the
// document spelled out itself (so none came from bad bytes or a lone
// surrogate); one it refuses does decode to a NUL or a U+FFFD, and every
// field it names is a path into the document.
func FuzzJSONText(f *testing.F) {
	for _, seed := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `{"a":["x","\ud800"]}`, `{"a":{"b":"\ud83d\ude00"}}`,
		`{"\u0000":1}`, `"\u0000"`, `[1,{"k":"\\u0000"}]`, `{"a":"\uFFFD \ufffd"}`, "{\"a\":\"\xef\xbf\xbd\"}", `{"a":"\udc00\ud800"}`,
		`{"a":"x","a":"\u0000"}`, `{"a":{"b":[{"c":"\u0000"}]}}`, `{"grading":{"factors":["x","\u0000"]}}`, `{"a":"\ud83d\u0041"}`,
		`{"a": "unterminated \u0000`, `{"a":"\u00"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkJSONText(body)
		strs, isJSON := jsonStrings(body)
		if !isJSON {
			return // the decoder refuses it whatever checkJSONText said
		}
		nul, replaced := false, 0
		for _, s := range strs {
			nul = nul || strings.IndexByte(s, 0) >= 0
			replaced += strings.Count(s, "\ufffd")
		}
		spelled := bytes.Count(body, []byte("\ufffd")) + bytes.Count(bytes.ToLower(body), []byte(`\ufffd`))
		if err == nil {
			if nul {
				t.Fatalf("passed a NUL: %q", body)
			}
			if replaced > spelled {
				t.Fatalf("passed text that is not UTF-8 (%d U+FFFD decoded, %d written): %q", replaced, spelled, body)
			}
			return
		}
		if vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("refused %q with %v", body, err)
		}
		if !nul && replaced == 0 {
			t.Fatalf("refused %q, which holds no NUL and no U+FFFD: %v", body, err)
		}
		var doc any
		if json.Unmarshal(body, &doc) != nil {
			return
		}
		for _, fe := range vigil.ErrorFields(err) {
			if !hasPath(doc, strings.Split(fe.Field, ".")) {
				t.Fatalf("refused %q naming %q, which is not in it", body, fe.Field)
			}
		}
	})
}

// hasPath reports whether a path of member names and array indexes leads
// somewhere in a decoded document.
func hasPath(doc any, path []string) bool {
	for _, p := range path {
		switch d := doc.(type) {
		case map[string]any:
			v, ok := d[p]
			if !ok {
				return false
			}
			doc = v
		case []any:
			i := 0
			for _, c := range p {
				if c < '0' || c > '9' {
					return false
				}
				i = i*10 + int(c-'0')
			}
			if i >= len(d) {
				return false
			}
			doc = d[i]
		default:
			return false
		}
	}
	return true
}
