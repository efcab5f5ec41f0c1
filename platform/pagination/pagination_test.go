package pagination

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/nastavnik/nastavnik/platform/validation"
)

type filter struct {
	Region string `json:"r"`
}

type cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

func TestTokenRoundTripAndBinding(t *testing.T) {
	t.Parallel()
	tok, err := Encode(filter{"24"}, cursor{"сш 00000002", "id-1"})
	if err != nil {
		t.Fatal(err)
	}
	var got cursor
	more, err := Decode(tok, filter{"24"}, &got)
	if err != nil || !more || got != (cursor{"сш 00000002", "id-1"}) {
		t.Fatalf("Decode = %v, %v, %+v; want the cursor back", more, err, got)
	}
	tests := []struct {
		name  string
		token string
		f     filter
	}{
		{"other filters", tok, filter{"43"}},
		{"not base64", "!!!", filter{"24"}},
		{"base64 of garbage", "aGVsbG8", filter{"24"}},
		{"a cursor written by the client", forged(t, filter{"24"}, `{"k":"\u0000","i":"' OR 1=1 --"}`), filter{"24"}},
		{"a cursor altered by the client", altered(t, tok), filter{"24"}},
	}
	for _, tc := range tests {
		if _, err := Decode(tc.token, tc.f, &got); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: Decode error = %v, want ErrBadToken", tc.name, err)
		}
	}
	if more, err := Decode("", filter{}, &got); more || err != nil {
		t.Errorf("empty token = %v, %v; want first page", more, err)
	}
}

// forged is a token as Encode wrote it before tokens were signed: the
// envelope alone, with the right filter and a cursor of the client's choosing.
func forged(t *testing.T, f filter, cursor string) string {
	t.Helper()
	b, err := json.Marshal(envelope{Filter: fingerprint(f), Cursor: json.RawMessage(cursor)})
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// altered is tok with its cursor's key changed and the signature kept.
func altered(t *testing.T, tok string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Replace(raw, []byte("id-1"), []byte("id-2"), 1)
	if bytes.Equal(out, raw) {
		t.Fatalf("no cursor in %q", raw)
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// A key set by SetKey signs and checks tokens alike in every process that
// shares it.
func TestSetKeySharesTokens(t *testing.T) {
	SetKey([]byte("one secret"))
	tok, err := Encode(filter{"24"}, cursor{"k", "id-1"})
	if err != nil {
		t.Fatal(err)
	}
	var got cursor
	if _, err := Decode(tok, filter{"24"}, &got); err != nil {
		t.Fatalf("same key: %v", err)
	}
	SetKey([]byte("another secret"))
	if _, err := Decode(tok, filter{"24"}, &got); !errors.Is(err, ErrBadToken) {
		t.Errorf("another key: %v, want ErrBadToken", err)
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want int }{{0, DefaultSize}, {-5, DefaultSize}, {7, 7}, {5000, MaxSize}} {
		if got := Size(int32(tc.in)); got != tc.want {
			t.Errorf("Size(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestTrim(t *testing.T) {
	t.Parallel()
	items := []int{1, 2, 3}
	page, tok, err := Trim(items, 3, "f", func(n int) any { return n })
	if err != nil || len(page) != 3 || tok != "" {
		t.Errorf("last page: %v %q %v, want all items and no token", page, tok, err)
	}
	page, tok, err = Trim(items, 2, "f", func(n int) any { return n })
	var next int
	if _, derr := Decode(tok, "f", &next); err != nil || derr != nil || len(page) != 2 || next != 2 {
		t.Errorf("full page: %v %q (%d), want two items and a token after 2", page, tok, next)
	}
}

// TestAfterAndRead: no token is the first page, a token the page after its
// cursor, and a token of other filters the request's page_token violation.
func TestAfterAndRead(t *testing.T) {
	t.Parallel()
	if got, err := After[cursor]("", filter{"24"}); got != nil || err != nil {
		t.Errorf("After of no token = %v, %v; want nil, nil", got, err)
	}
	tok, err := Encode(filter{"24"}, cursor{"сш 00000002", "id-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := After[cursor](tok, filter{"24"}); err != nil || got == nil || *got != (cursor{"сш 00000002", "id-1"}) {
		t.Errorf("After = %v, %v; want the cursor", got, err)
	}
	_, afterErr := After[cursor](tok, filter{"43"})
	for name, err := range map[string]error{"After": afterErr, "Read": Read(tok, filter{"43"}, &cursor{})} {
		var ve *validation.Error
		if !errors.As(err, &ve) || len(ve.Violations) != 1 || ve.Violations[0].Field != "page_token" {
			t.Errorf("%s of another query's token = %v; want the page_token violation", name, err)
		}
	}
}
