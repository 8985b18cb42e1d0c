package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"runtime/pprof"
	"slices"
	"time"
)

// cpuProfile names the file for a CPU profile of the page measurement.
var cpuProfile string

func startProfile() func() {
	if cpuProfile == "" {
		return func() {}
	}
	f, err := os.Create(cpuProfile)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// sessionHash is how the sessions table stores a token (see sqlstore).
func sessionHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func medianOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2].Round(time.Microsecond)
}
