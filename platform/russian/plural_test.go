package russian

import "testing"

func TestPlural(t *testing.T) {
	t.Parallel()
	forms := func(n int64) string { return Plural(n, "символ", "символа", "символов") }
	tests := []struct {
		n    int64
		want string
	}{
		{0, "символов"}, {1, "символ"}, {2, "символа"}, {3, "символа"}, {4, "символа"}, {5, "символов"},
		{10, "символов"}, {11, "символов"}, {12, "символов"}, {14, "символов"}, {15, "символов"},
		{20, "символов"}, {21, "символ"}, {22, "символа"}, {25, "символов"}, {100, "символов"},
		{101, "символ"}, {111, "символов"}, {112, "символов"}, {122, "символа"}, {500, "символов"},
		{1001, "символ"}, {-1, "символ"}, {-3, "символа"}, {-11, "символов"},
	}
	for _, tc := range tests {
		if got := forms(tc.n); got != tc.want {
			t.Errorf("Plural(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}

func TestInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {25, "25"}, {2025, "2025"}, {12000, "12\u00a0000"}, {100000, "100\u00a0000"},
		{1000000000, "1\u00a0000\u00a0000\u00a0000"}, {-12000, "-12\u00a0000"}, {-5, "-5"},
	}
	for _, tc := range tests {
		if got := Int(tc.n); got != tc.want {
			t.Errorf("Int(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    float64
		want string
	}{
		{0.5, "0,5"}, {10, "10"}, {12000.25, "12\u00a0000,25"}, {-0.25, "-0,25"}, {-3.5, "-3,5"},
	}
	for _, tc := range tests {
		if got := Decimal(tc.f); got != tc.want {
			t.Errorf("Decimal(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}
