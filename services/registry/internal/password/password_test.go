package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := Hash("Наставник-2026")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "Наставник-2026") || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q", h)
	}
	h2, _ := Hash("Наставник-2026")
	if h == h2 {
		t.Errorf("two hashes of one password are equal: salts are not random")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"Наставник-2026", true}, {"наставник-2026", false}, {"", false}} {
		ok, err := Verify(tc.pw, h)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	if _, err := Verify("x", "$bcrypt$nope"); err == nil {
		t.Errorf("Verify accepted a malformed hash")
	}
}

func TestCheckStrength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pw, login string
		ok        bool
	}{
		{"Наставник-2026", "ivanova", true},
		{"correct horse battery", "ivanova", true},
		{"short1", "ivanova", false},
		{"1234567890", "ivanova", false},
		{"abcdefghijkl", "ivanova", false},
		{"ivanova-2026!", "ivanova", false},
		{"qwertyuiop", "x", false},
	}
	for _, tc := range tests {
		if got := CheckStrength(tc.pw, tc.login) == nil; got != tc.ok {
			t.Errorf("CheckStrength(%q) ok = %v, want %v", tc.pw, got, tc.ok)
		}
	}
}
