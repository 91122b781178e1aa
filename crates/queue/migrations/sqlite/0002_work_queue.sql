-- The pull model: the database hands out work to the slots of one or many hosts. Jobs carry
-- their dependencies, critical-path priority, lease and fencing token; runs carry their
-- --stop-on-failure and publishing rules. Times are unix milliseconds (UTC).

ALTER TABLE runs ADD COLUMN stop_on_failure INTEGER NOT NULL DEFAULT 0;
-- 1: a dependency counts as available once published (other hosts install it from the repo)
ALTER TABLE runs ADD COLUMN require_publish INTEGER NOT NULL DEFAULT 1;
-- set by the first failure of a --stop-on-failure run: no new claims
ALTER TABLE runs ADD COLUMN stopped_at INTEGER;

-- higher is claimed first
ALTER TABLE jobs ADD COLUMN priority REAL NOT NULL DEFAULT 0;
-- dependencies not yet available; 0 makes a queued or interrupted job claimable
ALTER TABLE jobs ADD COLUMN pending_deps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN host TEXT;
-- the fencing token of the current or last claim
ALTER TABLE jobs ADD COLUMN token INTEGER;
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
ALTER TABLE jobs ADD COLUMN publishing_at INTEGER;
ALTER TABLE jobs ADD COLUMN published_at INTEGER;

ALTER TABLE transitions ADD COLUMN host TEXT;
ALTER TABLE transitions ADD COLUMN token INTEGER;

-- job (pkgbase, cycle_stage) waits for dep (dep_pkgbase, dep_cycle_stage)
CREATE TABLE job_deps (
    run_id           INTEGER NOT NULL,
    pkgbase          TEXT    NOT NULL,
    cycle_stage      INTEGER NOT NULL,
    dep_pkgbase      TEXT    NOT NULL,
    dep_cycle_stage  INTEGER NOT NULL,
    PRIMARY KEY (run_id, pkgbase, cycle_stage, dep_pkgbase, dep_cycle_stage),
    FOREIGN KEY (run_id, pkgbase, cycle_stage)
        REFERENCES jobs (run_id, pkgbase, cycle_stage) ON DELETE CASCADE
);
CREATE INDEX job_deps_by_dep ON job_deps (run_id, dep_pkgbase, dep_cycle_stage);

-- the pkgbuilds/<pkgbase> tree of a job, compressed, with its sha256
CREATE TABLE pkgbuilds (
    run_id       INTEGER NOT NULL,
    pkgbase      TEXT    NOT NULL,
    cycle_stage  INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    archive      BLOB    NOT NULL,
    PRIMARY KEY (run_id, pkgbase, cycle_stage),
    FOREIGN KEY (run_id, pkgbase, cycle_stage)
        REFERENCES jobs (run_id, pkgbase, cycle_stage) ON DELETE CASCADE
);

-- the hosts taking part in a run
CREATE TABLE hosts (
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    slots      INTEGER NOT NULL,
    joined_at  INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
);

-- the last fencing token handed out (one row): every claim takes the next
CREATE TABLE fence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  INTEGER NOT NULL
);
INSERT INTO fence (id, last) VALUES (1, 0);

CREATE INDEX jobs_claimable ON jobs (run_id, priority DESC, seq)
    WHERE state IN ('queued', 'interrupted') AND pending_deps = 0;
CREATE INDEX jobs_leases ON jobs (run_id, lease_until) WHERE state = 'building';
