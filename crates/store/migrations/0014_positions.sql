-- GNSS positions (issue 12): the fixes and proximity alerts of field
-- devices. Positions of people are personal data: the API's retention job
-- deletes rows older than the retention (30 days by default), and the
-- proximity.alert outbox events with them (outbox_kind).
CREATE TABLE gnss_fixes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id text NOT NULL,
    device text NOT NULL,
    received_at timestamptz NOT NULL,
    fix_time timestamptz,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    e double precision NOT NULL,
    n double precision NOT NULL,
    quality text NOT NULL,
    sigma_h double precision
);
CREATE INDEX gnss_fixes_device ON gnss_fixes (org_id, device, received_at);
CREATE INDEX gnss_fixes_received ON gnss_fixes (received_at);

CREATE TABLE gnss_alerts (
    id uuid PRIMARY KEY,
    -- Insertion order, for alerts of one millisecond.
    seq bigint GENERATED ALWAYS AS IDENTITY,
    org_id text NOT NULL,
    device text NOT NULL,
    at timestamptz NOT NULL,
    transition text NOT NULL CHECK (transition IN ('enter', 'exit')),
    feature_id uuid NOT NULL,
    hazard text NOT NULL,
    distance_m double precision,
    enter_radius_m double precision NOT NULL,
    sigma_m double precision NOT NULL,
    dig_request_id uuid NOT NULL REFERENCES dig_requests (id),
    fix_received_at timestamptz NOT NULL,
    fix_time timestamptz,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    e double precision NOT NULL,
    n double precision NOT NULL,
    quality text NOT NULL,
    sigma_h double precision
);
CREATE INDEX gnss_alerts_device ON gnss_alerts (org_id, device, at);
CREATE INDEX gnss_alerts_at ON gnss_alerts (at);

CREATE INDEX outbox_kind ON outbox (kind, created_at);
