-- +goose Up
-- Whether a disposal was fed back after the disposal stage's deadline
-- (超期处置): 按期处置率 counts it, and the stage deadline is gone once the
-- case moves on. Cases stored before this column count as on time.
ALTER TABLE cases ADD COLUMN disposed_late INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cases DROP COLUMN disposed_late;
