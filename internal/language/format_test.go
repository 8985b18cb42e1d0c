package language

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestFormatText(t *testing.T) {
	c := defaultChecker(t)
	fs := c.Check("Note.\nShe appears deliberately\nmissing and was putting herself at risk.")
	var b bytes.Buffer
	if err := WriteText(&b, "notes.txt", fs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %q", b.String())
	}
	if !strings.HasPrefix(lines[0], "notes.txt:2:13: deliberately missing — ") || !strings.Contains(lines[0], "with whom; try: She is missing") {
		t.Errorf("line 1 = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "notes.txt:3:17: putting herself at risk — ") {
		t.Errorf("line 2 = %q", lines[1])
	}
}

func TestWriteJSON(t *testing.T) {
	c := defaultChecker(t)
	var b bytes.Buffer
	files := []FileFindings{{File: "a.txt", Findings: c.Check("He is streetwise.")}, {File: "-"}}
	if err := WriteJSON(&b, Default().Version(), files); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Lexicon string
		Total   int
		Files   []struct {
			File     string
			Findings []map[string]any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Total != 1 || len(r.Files) != 2 || r.Files[0].Findings[0]["entry"] != "streetwise" || r.Files[0].Findings[0]["line"] != 1.0 {
		t.Errorf("report = %s", b.String())
	}
	if !strings.Contains(b.String(), `"findings": []`) {
		t.Error("empty findings should be [] not null")
	}
}
