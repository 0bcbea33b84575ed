package pii

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityloop/internal/jobs"
)

// RetentionJob is the hourly job called name that erases the personal data
// older than days (purge erases what was recorded before the cut-off and
// says how many records it changed) and logs what it erased as what.
func RetentionJob(name, what string, days int, purge func(ctx context.Context, before time.Time) (int, error), now func() time.Time, log *slog.Logger) jobs.Job {
	return jobs.Job{Name: name, Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute,
		Description: fmt.Sprintf("每小时删除 %d 天前的个人信息 / hourly, erases %s older than %d days", days, what, days),
		Run: func(ctx context.Context) error {
			n, err := purge(ctx, now().AddDate(0, 0, -days))
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if n > 0 {
				log.Info("retention purge: erased "+what, "records", n)
			}
			return nil
		}}
}
