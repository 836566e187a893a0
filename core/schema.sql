-- The workspace database (core/store.py is the only module that reads or writes it).
-- JSON columns (labels, splits, columns, meta, config, tags, progress, final_metrics, info) hold JSON text.

CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    n_rows INTEGER NOT NULL,
    text_column TEXT NOT NULL,
    label_column TEXT NOT NULL,
    labels TEXT NOT NULL,
    splits TEXT NOT NULL,
    columns TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    dataset_id TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    pid INTEGER,
    pid_started_at REAL,
    heartbeat_at REAL,
    stop_requested_at REAL,
    exit_code INTEGER,
    error TEXT,
    device TEXT,
    parent_id TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    progress TEXT NOT NULL DEFAULT '{}',
    final_metrics TEXT NOT NULL DEFAULT '{}',
    info TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status, created_at);
CREATE TABLE IF NOT EXISTS metric_points (
    run_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch REAL,
    split TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    t REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS metric_points_run ON metric_points(run_id, split, name, step);
