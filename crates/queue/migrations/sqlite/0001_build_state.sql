-- Durable build state of build-packages. Times are unix milliseconds (UTC); durations are
-- milliseconds. Job states are the lowercase names of archport_queue::JobState.

-- One build-packages run over one build list; --continue resumes the last one.
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    command         TEXT    NOT NULL,
    list_path       TEXT    NOT NULL,
    list_timestamp  TEXT    NOT NULL,
    host            TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,
    resumed_at      INTEGER,
    resumes         INTEGER NOT NULL DEFAULT 0,
    finished_at     INTEGER
);

-- The current state of every job of a run: one row per (pkgbase, cycle stage).
CREATE TABLE jobs (
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    pkgbase      TEXT    NOT NULL,
    cycle_stage  INTEGER NOT NULL CHECK (cycle_stage BETWEEN 0 AND 255),
    -- position in the build list, so reports follow the list's order
    seq          INTEGER NOT NULL,
    version      TEXT    NOT NULL,
    repo         TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN
                     ('queued', 'building', 'built', 'failed', 'blocked', 'skipped', 'interrupted')),
    attempt      INTEGER NOT NULL DEFAULT 0,
    slot         INTEGER,
    log          TEXT,
    reason       TEXT,
    blocked_by   TEXT,
    queued_at    INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    duration_ms  INTEGER,
    PRIMARY KEY (run_id, pkgbase, cycle_stage)
);

CREATE INDEX jobs_by_state ON jobs (run_id, state);

-- Every transition ever recorded, append-only: the history behind the jobs table, and the
-- source of build durations across runs (a job dropped from a resumed run keeps its history).
CREATE TABLE transitions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    pkgbase      TEXT    NOT NULL,
    cycle_stage  INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    version      TEXT    NOT NULL,
    attempt      INTEGER NOT NULL,
    slot         INTEGER,
    log          TEXT,
    reason       TEXT,
    blocked_by   TEXT,
    at           INTEGER NOT NULL,
    duration_ms  INTEGER
);

CREATE INDEX transitions_by_job ON transitions (run_id, pkgbase, cycle_stage);
CREATE INDEX transitions_built ON transitions (pkgbase, state);
