package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync/atomic"
)

// An unsubscribe token names an account and the kind of digest it came in,
// signed with a key derived from IDENTITY_KEY (SetUnsubscribeKey): the
// digest's footer and List-Unsubscribe header carry it, and the gateway's
// /unsubscribe page turns the account's digests off with it, without signing
// in. It does not expire: a digest read months later still unsubscribes.

// unsubscribeMAC is how many bytes of the HMAC a token keeps.
const unsubscribeMAC = 16

var unsubscribeKey atomic.Pointer[[]byte]

func init() {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	unsubscribeKey.Store(&k)
}

// SetUnsubscribeKey derives the key tokens are signed with from secret
// (IDENTITY_KEY): every service that writes digests and the gateway that
// reads the tokens must use the same secret. Until it is called, a process
// signs with a random key of its own.
func SetUnsubscribeKey(secret []byte) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("nastavnik unsubscribe token"))
	k := m.Sum(nil)
	unsubscribeKey.Store(&k)
}

func unsubscribeSign(payload []byte) []byte {
	m := hmac.New(sha256.New, *unsubscribeKey.Load())
	m.Write(payload)
	return m.Sum(nil)[:unsubscribeMAC]
}

// ErrBadUnsubscribe is a token that is malformed or not signed with the key.
var ErrBadUnsubscribe = errors.New("unsubscribe token is invalid")

// UnsubscribeToken returns the token of account's unsubscribing from digests
// of kind.
func UnsubscribeToken(accountID, kind string) string {
	payload := []byte(accountID + "\x00" + kind)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(unsubscribeSign(payload))
}

// ParseUnsubscribe returns the account and the kind a token names.
func ParseUnsubscribe(token string) (accountID, kind string, err error) {
	p, s, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return "", "", ErrBadUnsubscribe
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(s)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, unsubscribeSign(payload)) {
		return "", "", ErrBadUnsubscribe
	}
	accountID, kind, ok = strings.Cut(string(payload), "\x00")
	if !ok || accountID == "" || kind == "" {
		return "", "", ErrBadUnsubscribe
	}
	return accountID, kind, nil
}

// UnsubscribeLink returns the function of Templates.Unsubscribe for the
// gateway at publicURL: its /unsubscribe page with the account's token.
func UnsubscribeLink(publicURL string) func(accountID, kind string) string {
	base := strings.TrimRight(publicURL, "/") + "/unsubscribe?t="
	return func(accountID, kind string) string { return base + UnsubscribeToken(accountID, kind) }
}
