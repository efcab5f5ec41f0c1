// Package password hashes passwords with argon2id and checks their strength.
// Hashes are stored in the PHC string format, so parameters can be raised later
// without invalidating stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// Parameters of new hashes (OWASP's argon2id recommendation: 19 MiB, 2 passes).
const (
	memoryKiB = 19 * 1024
	passes    = 2
	threads   = 1
	saltLen   = 16
	keyLen    = 32
)

// MinLength is the shortest password accepted.
const MinLength = 10

// Hash returns the PHC-formatted argon2id hash of pw.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password.Hash: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memoryKiB, threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformedHash is returned for a stored hash that cannot be read.
var ErrMalformedHash = errors.New("password: malformed hash")

// Verify reports whether pw matches the stored hash, in constant time.
func Verify(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, ErrMalformedHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(pw), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummy is verified against when a login does not exist, so that answering
// takes as long as for a real one.
var dummy, _ = Hash("nastavnik-no-such-account")

// BurnTime spends the time a verification takes.
func BurnTime(pw string) { _, _ = Verify(pw, dummy) }

// common are passwords people pick first; a real deployment can extend it.
var common = map[string]bool{
	"1234567890": true, "0123456789": true, "qwertyuiop": true, "password123": true, "password12": true,
	"1q2w3e4r5t": true, "йцукенгшщз": true, "qwerty1234": true, "1111111111": true, "nastavnik123": true,
	"наставник123": true, "parol12345": true, "пароль1234": true, "administrator": true,
}

// CheckStrength rejects passwords that are short, common, made of one kind of
// character, or contain the login; its error is a validation.Problem.
func CheckStrength(pw, login string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinLength:
		return validation.TooShort(MinLength)
	case common[strings.ToLower(pw)]:
		return validation.New("password_common")
	case login != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(login)):
		return validation.New("password_login")
	}
	var letters, digits, others bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letters = true
		case unicode.IsDigit(r):
			digits = true
		default:
			others = true
		}
	}
	kinds := 0
	for _, k := range []bool{letters, digits, others} {
		if k {
			kinds++
		}
	}
	if kinds < 2 {
		return validation.New("password_mix")
	}
	return nil
}
