-- The published decisions whose search terms are not written yet (stored
-- before the term index, migration 00002): the start-up pass that indexes
-- them (indexMissing, state = published AND indexed = 0) reads this partial
-- index, empty once done, on both equalities (the planner prefers it to
-- the (state, decided_at) index), instead
-- of walking every published decision at every start. Keep names
-- identical in both dialects.

-- +goose Up
CREATE INDEX enforce_disclosures_unindexed ON enforce_disclosures (state, indexed) WHERE indexed = 0;

-- +goose Down
DROP INDEX enforce_disclosures_unindexed;
