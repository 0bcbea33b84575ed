// Package councilwire puts volunteers and the community council on a node:
// the service over the store the node opened, and on a new demo city its
// volunteers, activities and topics. It keeps internal/app to a few lines.
package councilwire

import (
	"context"
	"time"

	"cityloop/internal/council"
	"cityloop/internal/org"
)

// Parts are what the node already has.
type Parts struct {
	Store council.Store
	Atlas func() *org.Atlas
	// Demo is set when this start generated the demo city: then the
	// council's demo records are written too, from Seed.
	Demo  bool
	Seed  int64
	Now   func() time.Time
	NewID func() string
}

// Wire builds the service the API serves and seeds a new demo city.
func Wire(ctx context.Context, p Parts) (*council.Service, error) {
	svc := &council.Service{Store: p.Store, Now: func() time.Time { return p.Now().UTC() }, NewID: p.NewID}
	if !p.Demo {
		return svc, nil
	}
	if _, err := Seed(ctx, p.Store, p.Atlas(), p.Seed, svc.Now(), p.NewID); err != nil {
		return nil, err
	}
	return svc, nil
}
