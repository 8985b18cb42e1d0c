package corpusgen

import (
	"bytes"
	"testing"
)

func TestDeterministicAndSized(t *testing.T) {
	var a, b, c bytes.Buffer
	if err := Write(&a, 200_000, 1); err != nil {
		t.Fatal(err)
	}
	Write(&b, 200_000, 1)
	Write(&c, 200_000, 2)
	if a.Len() != 200_000 {
		t.Errorf("size %d, want 200000", a.Len())
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed gave different text")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds gave the same text")
	}
}
