-- Operations (issue 13): long jobs kept in the store so that any replica
-- answers for them and a restart forgets nothing; incidents on the status
-- page; an index for the outbox's retention.
CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    state text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'rejected', 'failed')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    finished_at timestamptz,
    body text NOT NULL
);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE incidents (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    message text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('minor', 'major', 'critical')),
    component text,
    posted_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    resolved_at timestamptz
);
CREATE INDEX incidents_open ON incidents (created_at) WHERE resolved_at IS NULL;

CREATE INDEX outbox_retention ON outbox (status, delivered_at, created_at)
    WHERE status IN ('delivered', 'skipped');
