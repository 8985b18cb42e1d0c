package sqlstore

import (
	"strings"
	"testing"
)

// TestPasswordsInURLs: a password anywhere in a URL is found (so that a
// flag refuses it) and taken out for pg_dump and pg_restore, whose command
// line other users can read.
func TestPasswordsInURLs(t *testing.T) {
	cases := []struct {
		url, rest, pw string
		has           bool
	}{
		{"postgres://vigil@db/vigil", "postgres://vigil@db/vigil", "", false},
		{"postgres://vigil:pw1@db/vigil?sslmode=verify-full", "postgres://vigil@db/vigil?sslmode=verify-full", "pw1", true},
		{"postgres://vigil@db/vigil?password=pw2&sslmode=require", "postgres://vigil@db/vigil?sslmode=require", "pw2", true},
		{"postgres://vigil@db/vigil?Password=pw3", "postgres://vigil@db/vigil", "pw3", true},
		{"postgres://vigil@db/vigil?sslpassword=key", "postgres://vigil@db/vigil?sslpassword=key", "", true},
		{"postgres://vigil:pw4@[::1/vigil", "postgres://vigil:pw4@[::1/vigil", "", true}, // does not parse: refused, left alone
		{"sqlite:vigil.db", "sqlite:vigil.db", "", false},
	}
	for _, c := range cases {
		if got := HasPassword(c.url); got != c.has {
			t.Errorf("HasPassword(%s) = %v", c.url, got)
		}
		rest, pw := splitPassword(c.url)
		if rest != c.rest || pw != c.pw {
			t.Errorf("splitPassword(%s) = %s, %q; want %s, %q", c.url, rest, pw, c.rest, c.pw)
		}
		if c.pw != "" && strings.Contains(rest, c.pw) {
			t.Errorf("the password stays in %s", rest)
		}
	}
}
