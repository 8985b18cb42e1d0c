//go:build !unix

package app

import "os"

// lockFile does nothing where there is no flock: only one writer may use
// a checkpoint file there.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
