package app

import (
	"context"

	"cityloop/internal/api"
	"cityloop/internal/audit"
	"cityloop/internal/store/sqlstore"
)

// auditAdapter connects the API's audit needs to the store.
type auditAdapter struct{ db *sqlstore.DB }

func (a auditAdapter) Audit(ctx context.Context, recs ...audit.Record) error {
	_, err := a.db.AppendAudit(ctx, recs)
	return err
}

func (a auditAdapter) FindAudit(ctx context.Context, q api.AuditQuery) ([]audit.Record, int, error) {
	return a.db.FindAudit(ctx, sqlstore.AuditFilter{Actor: q.Actor, Action: q.Action, Object: q.Object,
		From: q.From, To: q.To, Limit: q.Limit, Offset: q.Offset})
}
