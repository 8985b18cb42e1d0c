package language

import (
	"encoding/json"
	"io"
	"strings"
)

// FormatText formats one finding as a line for a terminal or an editor:
//
//	FILE:LINE:COL: matched text — why; try: alternative
//
// White space inside the matched text is collapsed so the finding stays on
// one line. Column counts runes (see Finding).
func FormatText(file string, f Finding) string {
	var b strings.Builder
	b.WriteString(file)
	b.WriteByte(':')
	b.WriteString(itoa(f.Line))
	b.WriteByte(':')
	b.WriteString(itoa(f.Column))
	b.WriteString(": ")
	b.WriteString(strings.Join(strings.Fields(f.Text), " "))
	b.WriteString(" — ")
	b.WriteString(strings.TrimSuffix(f.Why, "."))
	if len(f.Alternatives) > 0 {
		b.WriteString("; try: ")
		b.WriteString(f.Alternatives[0])
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// WriteText writes one FormatText line per finding.
func WriteText(w io.Writer, file string, findings []Finding) error {
	for _, f := range findings {
		if _, err := io.WriteString(w, FormatText(file, f)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// FileFindings are the findings of one checked file (or "-" for standard
// input), as written by WriteJSON.
type FileFindings struct {
	File     string    `json:"file"`
	Findings []Finding `json:"findings"`
}

// Report is the JSON document WriteJSON writes.
type Report struct {
	Lexicon string         `json:"lexicon"` // Lexicon.Version of the checker
	Total   int            `json:"total"`   // number of findings in all files
	Files   []FileFindings `json:"files"`
}

// WriteJSON writes a Report for the given files as indented JSON. Findings
// lists are never null.
func WriteJSON(w io.Writer, lexiconVersion string, files []FileFindings) error {
	r := Report{Lexicon: lexiconVersion, Files: make([]FileFindings, len(files))}
	for i, f := range files {
		r.Files[i] = FileFindings{File: f.File, Findings: f.Findings}
		if r.Files[i].Findings == nil {
			r.Files[i].Findings = []Finding{}
		}
		r.Total += len(f.Findings)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
