package directory

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nastavnik/nastavnik/platform/registryclient"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

// The handlers check domain.ErrNotFound on what the directory answers; the
// error table maps the client's other sentinels.
func TestFromRegistry(t *testing.T) {
	notFound := fromRegistry("directory.Region", fmt.Errorf("registryclient.Region: %w", registryclient.ErrNotFound))
	if !errors.Is(notFound, domain.ErrNotFound) {
		t.Errorf("not found: err = %v, want domain.ErrNotFound", notFound)
	}
	for _, sentinel := range []error{registryclient.ErrUnavailable, registryclient.ErrNoCaller} {
		err := fromRegistry("directory.Region", sentinel)
		if !errors.Is(err, sentinel) || errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%v: err = %v, want it kept", sentinel, err)
		}
	}
}
