package russian_test

import (
	"testing"

	"github.com/nastavnik/nastavnik/platform/russian"
)

func TestSearchKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"МБОУ «Гимназия № 2»", "мбоу «гимназия № 2»"},
		{"Ёлкинская  СОШ", "елкинская сош"},
		{"  КОГОБУ СШ с УИОП пгт Тужа ", "когобу сш с уиоп пгт тужа"},
	}
	for _, tc := range tests {
		if got := russian.SearchKey(tc.in); got != tc.want {
			t.Errorf("SearchKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSearchKeyJoinsItsParts(t *testing.T) {
	t.Parallel()
	if got, want := russian.SearchKey("СШ № 1", " Средняя  школа "), "сш № 1 средняя школа"; got != want {
		t.Errorf("SearchKey = %q, want %q", got, want)
	}
}

func TestSortKeyOrdersAsARussianReader(t *testing.T) {
	t.Parallel()
	ordered := []string{"МАОУ СШ № 2", "МАОУ СШ № 10", "МАОУ СШ № 150", "МБОУ Елизаветинская СОШ", "мбоу Ёлкинская СОШ", "МБОУ Жуковская СОШ"}
	for i := 1; i < len(ordered); i++ {
		if a, b := russian.SortKey(ordered[i-1]), russian.SortKey(ordered[i]); a >= b {
			t.Errorf("SortKey(%q) = %q is not before SortKey(%q) = %q", ordered[i-1], a, ordered[i], b)
		}
	}
}

func TestSortKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  МАОУ  СШ № 2 ", "маоу сш № 00000002"},
		{"Ёлкинская СОШ", "елкинская сош"},
		{"Школа 123456789", "школа 123456789"},
		{"Лицей 7-12", "лицей 00000007-00000012"},
	}
	for _, tc := range tests {
		if got := russian.SortKey(tc.in); got != tc.want {
			t.Errorf("SortKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
