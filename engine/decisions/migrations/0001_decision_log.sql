-- The decision log, the rule sets it names and which one is active: the same SQL for SQLite and
-- PostgreSQL (TEXT, BIGINT and INTEGER only; booleans as 0/1, times as ISO 8601 text in UTC).
CREATE TABLE decisions (
    seq BIGINT PRIMARY KEY,            -- 1, 2, 3 ... in append order: the chain's order
    id TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL,
    item_id TEXT NOT NULL,             -- JSON: a batch item's or stream line's id; null for a single judgement
    received_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    subject TEXT,                      -- JSON, as the caller sent it (NULL: none)
    facility_id TEXT,
    school TEXT,
    place TEXT,
    inspector TEXT,
    facts TEXT NOT NULL,               -- JSON, as submitted
    classification TEXT NOT NULL,
    complete INTEGER NOT NULL,
    criteria TEXT NOT NULL,            -- JSON list of the findings' criterion ids
    judgement TEXT NOT NULL,           -- the whole judgement (detail=full), as answered
    rules_digest TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    evaluator TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX decisions_by_request ON decisions (request_id);
CREATE INDEX decisions_by_received ON decisions (received_at);
CREATE INDEX decisions_by_facility ON decisions (facility_id, seq);
CREATE INDEX decisions_by_school ON decisions (school, seq);
CREATE INDEX decisions_by_classification ON decisions (classification, seq);

CREATE TABLE rule_sets (
    digest TEXT PRIMARY KEY,
    files TEXT NOT NULL,               -- JSON {relative path: file text}, byte for byte
    published_at TEXT NOT NULL
);

CREATE TABLE rules_active (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    announcement TEXT NOT NULL         -- "<digest> <ns>", as engine.rule_store announces it
);

CREATE TABLE reload_attempts (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    record TEXT NOT NULL               -- the latest attempt by any process (engine.registry.ReloadResult)
);
