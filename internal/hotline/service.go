package hotline

import (
	"context"
	"time"

	"cityloop/internal/share"
	"cityloop/internal/workorder"
)

// The methods below let the JSON API (package api, /api/v1/hotline/…)
// read and save orders through the adapter alone.

// FindOrder reads a work order by its number.
func (a *Adapter) FindOrder(ctx context.Context, no string) (*workorder.Order, error) {
	return a.Store.FindOrder(ctx, no)
}

// UpdateOrder saves a work order's steps.
func (a *Adapter) UpdateOrder(ctx context.Context, o workorder.Order) error {
	return a.Store.UpdateOrder(ctx, o)
}

// FindSubscriptionByID reads the hub subscription the callback uses.
func (a *Adapter) FindSubscriptionByID(ctx context.Context, id string) (*share.Subscription, error) {
	return a.Hub.FindSubscriptionByID(ctx, id)
}

// Clock is the adapter's time, which the orders' deadlines are measured by.
func (a *Adapter) Clock() time.Time { return a.Now() }
