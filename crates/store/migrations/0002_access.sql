-- Organisations, API tokens (hashes only) and the append-only audit log.
CREATE TABLE organisations (
    id text PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL,
    boundary geometry(MultiPolygon, 25832),
    created_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id uuid PRIMARY KEY,
    org_id text NOT NULL REFERENCES organisations (id),
    label text NOT NULL,
    hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    org_id text,
    token_id uuid,
    action text NOT NULL,
    dig_request_id uuid,
    feature_count bigint NOT NULL,
    feature_digest text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);

CREATE TABLE audit_head (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
