package admin

import (
	"strings"
	"testing"
)

func TestHashPasswordIsArgon2idPHC(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id PHC with the expected parameters", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if !CheckPassword(h, "correct horse battery") || !CheckPassword(h2, "correct horse battery") {
		t.Fatal("the right password does not match")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery", "correct horse battery "} {
		if CheckPassword(h, wrong) {
			t.Errorf("%q matches", wrong)
		}
	}
}

func TestCheckPasswordRefusesMalformedAndAbusiveHashes(t *testing.T) {
	good, _ := HashPassword("correct horse battery")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$abcdefghijklmnopqrstuuJ1K9d8aCkY3pQ2u6m3s5N5G1E8o1Z7a",
		"argon2i":       strings.Replace(good, "argon2id", "argon2i", 1),
		"other version": strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":   strings.Replace(good, "m=19456", "m=4194304", 1),
		"many passes":   strings.Replace(good, "t=2", "t=1000", 1),
		"bad salt":      strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":     strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"flipped key":   strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], strings.ToUpper(parts[5])}, "$"),
	} {
		if CheckPassword(h, "correct horse battery") {
			t.Errorf("%s: matched", name)
		}
	}
}

func TestHashPasswordRefusesWeakPasswords(t *testing.T) {
	for _, p := range []string{"", "short", "123456789", strings.Repeat("x", 1025)} {
		if _, err := HashPassword(p); err == nil {
			t.Errorf("HashPassword(%d chars): no error", len(p))
		}
	}
}

func TestSafeNextStaysInsideTheAdmin(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/calendar?cabin=2": "/admin/calendar?cabin=2",
		"/admin/reservations/x":   "/admin/reservations/x",
		"":                        "/admin/",
		"https://evil.example/":   "/admin/",
		"//evil.example/admin/":   "/admin/",
		"/admin/\\evil":           "/admin/",
		"/admin/login":            "/admin/",
		"/metrics":                "/admin/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMoneyIsWrittenTheArgentineWay(t *testing.T) {
	for cents, want := range map[int64]string{
		0: "$ 0", 100: "$ 1", 8_500_000: "$ 85.000", 123_456_78: "$ 123.456,78", 5: "$ 0,05", -150_000: "-$ 1.500",
		100_000_000_00: "$ 100.000.000",
	} {
		if got := money(cents); got != want {
			t.Errorf("money(%d) = %q, want %q", cents, got, want)
		}
	}
}
