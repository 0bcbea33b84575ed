-- Volunteers and the community council (package council), postgres dialect.
-- Keep names identical to the other dialect. Times are INTEGER Unix
-- microseconds UTC; phones are sealed with the node's keyring.

-- +goose Up
CREATE TABLE volunteers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,        -- sealed
    community   TEXT NOT NULL,        -- region code
    skills      TEXT NOT NULL,        -- JSON array
    hours       DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX volunteers_community ON volunteers (community, created_at);

CREATE TABLE volunteer_activities (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    community   TEXT NOT NULL,
    lng         DOUBLE PRECISION NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    radius_m    DOUBLE PRECISION NOT NULL,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL
);
CREATE INDEX volunteer_activities_community ON volunteer_activities (community, starts_at);

-- One attendance per volunteer and activity: signing in twice is refused.
CREATE TABLE volunteer_attendance (
    activity_id   TEXT NOT NULL REFERENCES volunteer_activities (id),
    volunteer_id  TEXT NOT NULL REFERENCES volunteers (id),
    signed_in_at  BIGINT NOT NULL,
    signed_out_at BIGINT,
    hours         DOUBLE PRECISION NOT NULL DEFAULT 0,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (activity_id, volunteer_id)
);

CREATE TABLE council_topics (
    id          TEXT PRIMARY KEY,
    community   TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    yes_votes   INTEGER NOT NULL DEFAULT 0,
    no_votes    INTEGER NOT NULL DEFAULT 0,
    opinions    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX council_topics_community ON council_topics (community, created_at);

CREATE TABLE council_steps (
    topic_id    TEXT NOT NULL REFERENCES council_topics (id),
    seq         INTEGER NOT NULL,     -- the topic's version the step made
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    note        TEXT NOT NULL,
    by_actor    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (topic_id, seq)
);

CREATE TABLE council_opinions (
    topic_id    TEXT NOT NULL REFERENCES council_topics (id),
    person      TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX council_opinions_topic ON council_opinions (topic_id, at);

-- One vote per person and topic, enforced here so concurrent votes cannot both count.
CREATE TABLE council_votes (
    topic_id    TEXT NOT NULL REFERENCES council_topics (id),
    person      TEXT NOT NULL,
    yes         INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (topic_id, person)
);

-- +goose Down
DROP TABLE council_votes;
DROP TABLE council_opinions;
DROP TABLE council_steps;
DROP TABLE council_topics;
DROP TABLE volunteer_attendance;
DROP TABLE volunteer_activities;
DROP TABLE volunteers;
