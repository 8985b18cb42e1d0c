package language

import (
	"bytes"
	"sync"
	"testing"

	"github.com/vigilcp/vigil/internal/language/internal/corpusgen"
)

var benchCorpus = sync.OnceValue(func() string {
	var b bytes.Buffer
	if err := corpusgen.Write(&b, 8<<20, 1); err != nil {
		panic(err)
	}
	return b.String()
})

// BenchmarkCheck measures the full checker on 8 MiB of generated case notes.
func BenchmarkCheck(b *testing.B) {
	text := benchCorpus()
	c := defaultChecker(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(c.Check(text)) == 0 {
			b.Fatal("no findings")
		}
	}
}
