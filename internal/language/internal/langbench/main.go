// Command langbench supports bench/language/run.sh:
//
//	langbench gen -size BYTES -seed N -out FILE   write the benchmark corpus
//	langbench phrases -out FILE                   write the lexicon's literal phrases for grep -F
//	langbench measure -corpus FILE -phrases FILE  time the checker and grep on the corpus
//
// measure runs the checker with one goroutine and with GOMAXPROCS, then
// LC_ALL=C grep -F -i -c -f PHRASES CORPUS in the same run, best of -runs
// each, and prints both throughputs and their ratio.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/language"
	"github.com/vigilcp/vigil/internal/language/internal/corpusgen"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "phrases":
		err = phrases(os.Args[2:])
	case "measure":
		err = measure(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "langbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: langbench gen|phrases|measure [flags]")
	os.Exit(2)
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	size := fs.Int64("size", 100<<20, "bytes to write")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output file")
	fs.Parse(args)
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := corpusgen.Write(f, *size, *seed); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func phrases(args []string) error {
	fs := flag.NewFlagSet("phrases", flag.ExitOnError)
	out := fs.String("out", "", "output file")
	limit := fs.Int("limit", 4096, "expansions kept per pattern segment")
	fs.Parse(args)
	ps := language.Default().LiteralPhrases(*limit)
	return os.WriteFile(*out, []byte(strings.Join(ps, "\n")+"\n"), 0o644)
}

func measure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ExitOnError)
	corpus := fs.String("corpus", "", "corpus file")
	phrasesFile := fs.String("phrases", "", "phrases file for grep -F")
	runs := fs.Int("runs", 3, "runs of each; the best is reported")
	fs.Parse(args)
	data, err := os.ReadFile(*corpus)
	if err != nil {
		return err
	}
	text := string(data)
	mb := float64(len(data)) / (1 << 20)
	c, err := language.NewChecker(language.Default())
	if err != nil {
		return err
	}
	timeCheck := func(workers int) (time.Duration, []language.Finding) {
		var best time.Duration
		var fs []language.Finding
		for i := 0; i < *runs; i++ {
			start := time.Now()
			fs = c.CheckWorkers(text, workers)
			if d := time.Since(start); best == 0 || d < best {
				best = d
			}
		}
		return best, fs
	}
	best, findings := timeCheck(1)
	workers := runtime.GOMAXPROCS(0)
	bestPar, _ := timeCheck(workers)
	lines := strings.Count(text, "\n")
	byEntry := map[string]int{}
	for _, f := range findings {
		byEntry[f.EntryID]++
	}
	nPhrases, err := countLines(*phrasesFile)
	if err != nil {
		return err
	}
	var grepBest time.Duration
	var grepOut string
	for i := 0; i < *runs; i++ {
		cmd := exec.Command("grep", "-F", "-i", "-c", "-f", *phrasesFile, *corpus)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		start := time.Now()
		out, err := cmd.Output()
		d := time.Since(start)
		if err != nil && len(out) == 0 {
			return fmt.Errorf("grep: %v", err)
		}
		grepOut = strings.TrimSpace(string(out))
		if grepBest == 0 || d < grepBest {
			grepBest = d
		}
	}
	checkRate := mb / best.Seconds()
	parRate := mb / bestPar.Seconds()
	grepRate := mb / grepBest.Seconds()
	fmt.Printf("corpus:   %s, %.1f MiB, %d lines\n", *corpus, mb, lines)
	fmt.Printf("lexicon:  %s, %d entries, %d anchor words; grep gets %d literal phrases\n",
		language.Default().Version(), len(language.Default().Entries()), len(c.Anchors()), nPhrases)
	fmt.Printf("checker:  %8.1f MiB/s  (%v, %d findings from %d entries, one goroutine, best of %d)\n",
		checkRate, best.Round(time.Millisecond), len(findings), len(byEntry), *runs)
	fmt.Printf("checker:  %8.1f MiB/s  (%v with %d goroutines, as Check does for texts of 4 MiB or more)\n",
		parRate, bestPar.Round(time.Millisecond), workers)
	fmt.Printf("grep:     %8.1f MiB/s  (%v, LC_ALL=C grep -F -i -c -f phrases: %s matching lines, best of %d)\n",
		grepRate, grepBest.Round(time.Millisecond), grepOut, *runs)
	fmt.Printf("ratio:    checker/grep = %.2f with one goroutine, %.2f with %d\n", checkRate/grepRate, parRate/grepRate, workers)
	return nil
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}
