// Package password hashes and checks passwords with Argon2id, storing them
// in the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so that
// parameters can be raised later without breaking stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are Argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// Production is pinned: OWASP's recommended minimum for Argon2id (19 MiB,
// 2 passes, 1 lane), about 46 ms a hash on the build machine. A test pins
// these numbers so they cannot drift down unnoticed.
var Production = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Cheap is for tests only: fast, and useless against an attacker.
var Cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Hasher implements vigil.PasswordHasher with Argon2id.
type Hasher struct{ Params Params }

// Hash returns the PHC string of a new salted hash of pw.
func (h Hasher) Hash(pw string) (string, error) {
	salt := make([]byte, h.Params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, h.Params.Time, h.Params.Memory, h.Params.Threads, h.Params.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Params.Memory,
		h.Params.Time, h.Params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformed is returned for a stored hash that is not an Argon2id PHC
// string this package can read.
var ErrMalformed = errors.New("password hash is not in a known format")

// Verify reports whether pw matches the stored hash, using the parameters
// recorded in the hash, in constant time.
func (h Hasher) Verify(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformed
	}
	if p.Memory > 1<<21 || p.Time > 100 || p.Threads == 0 {
		return false, ErrMalformed // refuse a hash that would take minutes
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformed
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrMalformed
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Generate returns a random password of n characters from an alphabet
// without look-alike characters, for passwords printed once.
func Generate(n int) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

func randIntn(n int) int {
	// Rejection sampling over one byte avoids modulo bias.
	limit := 256 - 256%n
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		if int(buf[0]) < limit {
			return int(buf[0]) % n
		}
	}
}
