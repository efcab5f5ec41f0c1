package grpcclient

import "testing"

func TestDialAcceptsAListOfReplicas(t *testing.T) {
	conn, err := Dial("127.0.0.1:1,127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.Target(); got == "127.0.0.1:1,127.0.0.1:2" {
		t.Errorf("target %q: the list went to the default resolver", got)
	}
}
