package web

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Text from outside is refused at the edge when it holds a NUL character
// or bytes that are not UTF-8: PostgreSQL cannot store either (SQLSTATE
// 22021), SQLite would store both, and encoding/json would quietly put
// U+FFFD in place of bad bytes. So every route refuses them alike on both
// engines, before any work, with a 422 naming each field: path segments,
// query strings and form posts in refuseBadText (every route, by
// Server.handle), JSON bodies in decode (by JSON pointer).

// textFault is what is wrong with a piece of text, or "" for nothing.
type textFault string

const (
	faultNUL     textFault = "nul"
	faultNotUTF8 textFault = "utf8"
)

// faultOf says what, if anything, is wrong with s.
func faultOf(s string) textFault {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return faultNUL
	case !utf8.ValidString(s):
		return faultNotUTF8
	}
	return ""
}

// add records the fault against field, in words that name it.
func (f textFault) add(v *vigil.Validation, field string) {
	switch f {
	case faultNUL:
		v.Add(field, "%s holds a NUL character (U+0000), which cannot be stored: remove it and try again", field)
	case faultNotUTF8:
		v.Add(field, "%s holds bytes that are not UTF-8 text: send it encoded as UTF-8", field)
	}
}

// maxTextFaults is how many faulty fields one refusal names at most.
const maxTextFaults = 20

// checkValues records each faulty key or value of a query or form. A
// faulty name is recorded against what (query or form), since it names no
// field that exists.
func checkValues(v *vigil.Validation, what string, vals map[string][]string) {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	n := 0
	for _, k := range keys {
		if n == maxTextFaults {
			return
		}
		if f := faultOf(k); f != "" {
			switch f {
			case faultNUL:
				v.Add(what, "A name in the %s holds a NUL character (U+0000): remove it and try again", what)
			default:
				v.Add(what, "A name in the %s holds bytes that are not UTF-8 text: send it encoded as UTF-8", what)
			}
			n++
			continue
		}
		for _, s := range vals[k] {
			if f := faultOf(s); f != "" {
				f.add(v, k)
				n++
				break
			}
		}
	}
}

// wildcards lists the names of a route pattern's wildcards
// ("GET /children/{id}/shares/{share}": id, share).
func wildcards(pattern string) []string {
	var out []string
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(pattern[i:], '}')
		if j < 0 {
			return out
		}
		name := strings.TrimSuffix(pattern[i+1:i+j], "...")
		if name != "$" {
			out = append(out, name)
		}
		pattern = pattern[i+j+1:]
	}
}

// refuseBadText refuses a request whose path segments, query or form body
// hold a NUL character or bytes that are not UTF-8, and says so: problem
// JSON for the API, a page for the rest. It reports whether it refused.
// A form is read here (so a handler reading it later gets the same values);
// a multipart body is never read: no form of Vigil's sends one, so its
// fields stay empty rather than slip past this check.
func (s *Server) refuseBadText(w http.ResponseWriter, r *http.Request) bool {
	var v vigil.Validation
	for _, name := range wildcards(r.Pattern) {
		if f := faultOf(r.PathValue(name)); f != "" {
			f.add(&v, name)
		}
	}
	if r.URL.RawQuery != "" {
		q, _ := url.ParseQuery(r.URL.RawQuery) // what handlers read: r.URL.Query() drops malformed pairs too
		checkValues(&v, "query", q)
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "application/x-www-form-urlencoded":
			if err := r.ParseForm(); err != nil {
				s.refuse(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
				return true
			}
			checkValues(&v, "form", r.PostForm)
		case "multipart/form-data":
			_ = r.ParseForm() // leaves the multipart form unread, and empty
		}
	}
	err := v.Err()
	if err == nil {
		return false
	}
	s.refuse(w, r, err)
	return true
}

// refuse answers a request refused at the edge: problem JSON for the API,
// for pages a page listing each field at fault.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, "text-refused", &Page{Title: "There is a problem with what was sent",
		Data: vigil.ErrorMessage(err), Errors: vigil.ErrorFields(err)})
}

// jsonTextSuspect is a quick look at a JSON body for anything a faulty
// string needs: bytes that are not UTF-8, the escape of NUL, or the escape
// of a surrogate (which encoding/json turns into U+FFFD unless it is half
// of a pair). Most bodies have none, and skip checkJSONText's walk.
func jsonTextSuspect(body []byte) bool {
	return !utf8.Valid(body) || bytes.Contains(body, []byte(`\u0000`)) || bytes.Contains(body, []byte(`\ud`)) ||
		bytes.Contains(body, []byte(`\uD`))
}

// checkJSONText returns a validation error naming, by JSON pointer, each
// string of body (a value, or the name of a member) that holds a NUL
// character or is not UTF-8 (bytes, or an escaped surrogate without its
// pair), or nil. A body that is not JSON is left to the decoder to refuse.
func checkJSONText(body []byte) error {
	if !jsonTextSuspect(body) {
		return nil
	}
	var v vigil.Validation
	var top textFault // in a member of the body's object named by no field, or in a body that is one string
	n := 0
	walkJSONStrings(body, func(path []string, key bool, raw []byte) bool {
		f := rawStringFault(raw)
		if f == "" {
			return true
		}
		// A field is named by its path with dots (the problem's pointer
		// puts slashes for them), so a member whose name holds a dot, a
		// slash or a tilde is named by the object it is in: no resource
		// of Vigil's has such a field.
		within := key
		for i, p := range path {
			if strings.ContainsAny(p, "./~") {
				path, within = path[:i], true
				break
			}
		}
		field := strings.Join(path, ".")
		switch {
		case field == "":
			top = f
		case within:
			v.Add(field, "A member of %s holds %s", field, faultWords(f))
		default:
			f.add(&v, field)
		}
		n++
		return n < maxTextFaults
	})
	if err := v.Err(); err != nil || top == "" {
		return err
	}
	return vigil.Errorf(vigil.EINVALID, "The body holds %s", faultWords(top))
}

func faultWords(f textFault) string {
	if f == faultNUL {
		return "a NUL character (U+0000), which cannot be stored"
	}
	return "bytes that are not UTF-8 text"
}

// jsonFrame is one open object or array while a document is walked.
type jsonFrame struct {
	object  bool
	wantKey bool   // an object's next string is a member name
	key     string // the member being read
	index   int    // an array's element being read
}

// walkJSONStrings calls fn with every string of a JSON document, in order:
// the path to it (member names and array indexes; for a member name, the
// path to its object), whether it is a member name, and its raw text with
// the quotes. It stops when fn returns false or the document is not JSON.
func walkJSONStrings(body []byte, fn func(path []string, key bool, raw []byte) bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []jsonFrame
	path := func() []string {
		out := make([]string, 0, len(stack))
		for _, f := range stack {
			if f.object {
				out = append(out, f.key)
			} else {
				out = append(out, strconv.Itoa(f.index))
			}
		}
		return out
	}
	// valueDone moves the innermost container past the value just read.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return // the end, or not JSON
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, jsonFrame{object: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			raw := body[start:dec.InputOffset()]
			raw = raw[bytes.IndexByte(raw, '"'):]
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				p := path()
				if !fn(p[:n-1], true, raw) {
					return
				}
				stack[n-1].key, stack[n-1].wantKey = t, false
				continue
			}
			if !fn(path(), false, raw) {
				return
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// rawStringFault says what is wrong with a JSON string as written (with
// its quotes): a NUL, escaped or not; bytes that are not UTF-8; or an
// escaped surrogate that is not half of a pair.
func rawStringFault(raw []byte) textFault {
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0:
			return faultNUL
		case c == '\\' && i+1 < len(s) && s[i+1] == 'u':
			r, ok := hex4(s[i+2:])
			if !ok {
				return "" // not JSON: the decoder says so
			}
			i += 6
			switch {
			case r == 0:
				return faultNUL
			case r >= 0xDC00 && r <= 0xDFFF:
				return faultNotUTF8
			case r >= 0xD800 && r <= 0xDBFF:
				if i+1 >= len(s) || s[i] != '\\' || s[i+1] != 'u' {
					return faultNotUTF8
				}
				lo, ok := hex4(s[i+2:])
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return faultNotUTF8
				}
				i += 6
			}
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return faultNotUTF8
			}
			i += size
		}
	}
	return ""
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}
