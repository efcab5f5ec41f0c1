package pagination

import (
	"errors"
	"testing"
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
