-- Owner notifications: one webhook per owner and the outbox of events to post.
CREATE TABLE webhooks (
    owner_id text PRIMARY KEY REFERENCES organisations (id),
    url text NOT NULL,
    salt text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    kind text NOT NULL,
    dig_request_id uuid NOT NULL REFERENCES dig_requests (id),
    payload text NOT NULL,
    created_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts integer NOT NULL CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    delivered_at timestamptz,
    last_error text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_owner ON outbox (owner_id, created_at);
