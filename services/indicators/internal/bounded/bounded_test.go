package bounded

import (
	"strconv"
	"testing"
)

// The map never holds more than its size, keeps what was put last and
// replaces a key's value in place without forgetting another.
func TestMapIsBounded(t *testing.T) {
	m := New[int](3)
	for i := range 10 {
		m.Put(strconv.Itoa(i), i)
		if v, ok := m.Get(strconv.Itoa(i)); !ok || v != i {
			t.Fatalf("after Put(%d): Get = %d, %v", i, v, ok)
		}
		if n := len(m.m); n > 3 {
			t.Fatalf("after Put(%d): %d entries, want at most 3", i, n)
		}
	}
	held := map[string]int{}
	for k, v := range m.m {
		held[k] = v
	}
	for k := range held {
		m.Put(k, -1)
	}
	for k := range held {
		if v, ok := m.Get(k); !ok || v != -1 {
			t.Errorf("a key put again was forgotten or not replaced: %s = %d, %v", k, v, ok)
		}
	}
	if _, ok := m.Get("absent"); ok {
		t.Error("Get of a key never put found it")
	}
}
