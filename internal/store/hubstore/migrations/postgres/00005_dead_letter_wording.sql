-- Dead letters without network detail, PostgreSQL dialect. Keep names
-- identical to ../sqlite (a test compares them).

-- +goose Up
-- Versions before this one stored the delivery error as the network gave it
-- (addresses, ports, "connection refused" against "i/o timeout"), which let
-- whoever reads dead letters tell open ports from closed ones. New dead
-- letters are worded by egress.Describe; the old ones lose their detail.
UPDATE hub_dead_letters SET last_error = '投递失败（旧记录，网络细节已隐去）/ delivery failed (an older record; its network detail was removed)'
WHERE last_error <> '';

-- +goose Down
-- The detail is gone; nothing to restore.
SELECT 1;
