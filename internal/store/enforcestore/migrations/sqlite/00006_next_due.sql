-- When a penalty case's next clock warning falls due (enforce.NextSweep),
-- kept by every write, so the clock sweep reads the cases it has reached
-- through an index instead of every running case. Keep names identical in
-- both dialects.

-- +goose Up
ALTER TABLE enforce_cases ADD COLUMN next_due INTEGER; -- µs; NULL when no clock will warn
-- Cases stored before the column are due at once: the first sweep grades
-- them and sets the column (Service.SweepClocks, Store.SetNextDue).
UPDATE enforce_cases SET next_due = 0 WHERE running = 1;
CREATE INDEX enforce_cases_next_due ON enforce_cases (next_due, id) WHERE next_due IS NOT NULL;

-- +goose Down
DROP INDEX enforce_cases_next_due;
ALTER TABLE enforce_cases DROP COLUMN next_due;
