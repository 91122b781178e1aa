-- Durable build state of build-packages on PostgreSQL, shared by every build host of a run.
-- Times are unix milliseconds (UTC) taken from the hosts' clocks; durations are milliseconds.
-- Job states are the lowercase names of archport_queue::JobState.

-- One build-packages run over one build list; --continue resumes the newest one.
CREATE TABLE runs (
    id               BIGSERIAL PRIMARY KEY,
    command          TEXT    NOT NULL,
    list_path        TEXT    NOT NULL,
    list_timestamp   TEXT    NOT NULL,
    host             TEXT    NOT NULL,
    started_at       BIGINT  NOT NULL,
    resumed_at       BIGINT,
    resumes          BIGINT  NOT NULL DEFAULT 0,
    finished_at      BIGINT,
    stop_on_failure  BOOLEAN NOT NULL DEFAULT FALSE,
    -- a dependency counts as available once published (other hosts install it from the repo)
    require_publish  BOOLEAN NOT NULL DEFAULT TRUE,
    -- set by the first failure of a --stop-on-failure run: no new claims
    stopped_at       BIGINT
);

-- The current state of every job of a run: one row per (pkgbase, cycle stage).
CREATE TABLE jobs (
    run_id         BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    pkgbase        TEXT    NOT NULL,
    cycle_stage    BIGINT  NOT NULL CHECK (cycle_stage BETWEEN 0 AND 255),
    -- position in the build list, so reports follow the list's order
    seq            BIGINT  NOT NULL,
    version        TEXT    NOT NULL,
    repo           TEXT    NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN
                       ('queued', 'building', 'built', 'failed', 'blocked', 'skipped', 'interrupted')),
    attempt        BIGINT  NOT NULL DEFAULT 0,
    slot           BIGINT,
    log            TEXT,
    reason         TEXT,
    blocked_by     TEXT,
    queued_at      BIGINT  NOT NULL,
    started_at     BIGINT,
    finished_at    BIGINT,
    duration_ms    BIGINT,
    -- higher is claimed first (the critical-path priority)
    priority       DOUBLE PRECISION NOT NULL DEFAULT 0,
    -- dependencies not yet available; 0 makes a queued or interrupted job claimable
    pending_deps   BIGINT  NOT NULL DEFAULT 0,
    host           TEXT,
    -- the fencing token of the current or last claim
    token          BIGINT,
    lease_until    BIGINT,
    publishing_at  BIGINT,
    published_at   BIGINT,
    PRIMARY KEY (run_id, pkgbase, cycle_stage)
);

CREATE INDEX jobs_by_state ON jobs (run_id, state);
CREATE INDEX jobs_claimable ON jobs (run_id, priority DESC, seq)
    WHERE state IN ('queued', 'interrupted') AND pending_deps = 0;
CREATE INDEX jobs_leases ON jobs (run_id, lease_until) WHERE state = 'building';

-- job (pkgbase, cycle_stage) waits for dep (dep_pkgbase, dep_cycle_stage)
CREATE TABLE job_deps (
    run_id           BIGINT NOT NULL,
    pkgbase          TEXT   NOT NULL,
    cycle_stage      BIGINT NOT NULL,
    dep_pkgbase      TEXT   NOT NULL,
    dep_cycle_stage  BIGINT NOT NULL,
    PRIMARY KEY (run_id, pkgbase, cycle_stage, dep_pkgbase, dep_cycle_stage),
    FOREIGN KEY (run_id, pkgbase, cycle_stage)
        REFERENCES jobs (run_id, pkgbase, cycle_stage) ON DELETE CASCADE
);
CREATE INDEX job_deps_by_dep ON job_deps (run_id, dep_pkgbase, dep_cycle_stage);

-- the pkgbuilds/<pkgbase> tree of a job, compressed, with its sha256
CREATE TABLE pkgbuilds (
    run_id       BIGINT NOT NULL,
    pkgbase      TEXT   NOT NULL,
    cycle_stage  BIGINT NOT NULL,
    sha256       TEXT   NOT NULL,
    archive      BYTEA  NOT NULL,
    PRIMARY KEY (run_id, pkgbase, cycle_stage),
    FOREIGN KEY (run_id, pkgbase, cycle_stage)
        REFERENCES jobs (run_id, pkgbase, cycle_stage) ON DELETE CASCADE
);

-- the hosts taking part in a run
CREATE TABLE hosts (
    run_id     BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    slots      BIGINT NOT NULL,
    joined_at  BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    PRIMARY KEY (run_id, name)
);

-- every claim takes the next fencing token
CREATE SEQUENCE fence_tokens;

-- Every transition ever recorded, append-only.
CREATE TABLE transitions (
    id           BIGSERIAL PRIMARY KEY,
    run_id       BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    pkgbase      TEXT   NOT NULL,
    cycle_stage  BIGINT NOT NULL,
    state        TEXT   NOT NULL,
    version      TEXT   NOT NULL,
    attempt      BIGINT NOT NULL,
    slot         BIGINT,
    log          TEXT,
    reason       TEXT,
    blocked_by   TEXT,
    at           BIGINT NOT NULL,
    duration_ms  BIGINT,
    host         TEXT,
    token        BIGINT
);

CREATE INDEX transitions_by_job ON transitions (run_id, pkgbase, cycle_stage);
CREATE INDEX transitions_built ON transitions (pkgbase, state);
