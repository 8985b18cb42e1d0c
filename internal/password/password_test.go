package password

import (
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h := Hasher{Params: Cheap}
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC Argon2id string with the cheap parameters", hash)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := h.Verify(tc.pw, hash)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	hash2, _ := h.Hash("correct horse battery")
	if hash2 == hash {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyUsesStoredParameters(t *testing.T) {
	old, _ := Hasher{Params: Cheap}.Hash("a long enough password")
	ok, err := Hasher{Params: Production}.Verify("a long enough password", old)
	if err != nil || !ok {
		t.Fatalf("a hash made with other parameters must still verify: %v %v", ok, err)
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA"} {
		if _, err := (Hasher{Params: Cheap}).Verify("x", bad); err == nil {
			t.Errorf("Verify accepted malformed hash %q", bad)
		}
	}
}

// TestProductionParametersPinned stops the production cost drifting below
// OWASP's Argon2id minimum unnoticed, and hashes once with it.
func TestProductionParametersPinned(t *testing.T) {
	if Production.Memory < 19*1024 || Production.Time < 2 || Production.Threads < 1 || Production.SaltLen < 16 || Production.KeyLen < 32 {
		t.Fatalf("production parameters %+v are below OWASP's minimum (m=19456, t=2, p=1)", Production)
	}
	h := Hasher{Params: Production}
	hash, err := h.Hash("a production password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hash, "$m=19456,t=2,p=1$") {
		t.Fatalf("production hash %q does not record the pinned parameters", hash)
	}
	if ok, _ := h.Verify("a production password", hash); !ok {
		t.Fatal("production hash does not verify")
	}
}

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := Generate(20)
		if len(p) != 20 || strings.ContainsAny(p, "0O1lI") || seen[p] {
			t.Fatalf("bad generated password %q", p)
		}
		seen[p] = true
	}
}
