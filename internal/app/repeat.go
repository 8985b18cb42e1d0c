package app

import (
	"sync"
	"time"
)

// repeat runs fn every interval in the background until the returned stop
// is called, which waits for a run in progress and then runs fn once more.
func repeat(every time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		fn()
	}
}
