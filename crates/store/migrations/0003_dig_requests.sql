-- Dig requests (LER graveforespørgsler) and one response per matched owner.
CREATE TABLE dig_requests (
    id uuid PRIMARY KEY,
    requester_id text NOT NULL,
    geom geometry(Polygon, 25832) NOT NULL,
    buffer_m double precision NOT NULL CHECK (buffer_m >= 0),
    period_from timestamptz NOT NULL,
    period_to timestamptz NOT NULL,
    purpose text NOT NULL,
    contact text NOT NULL,
    status text NOT NULL CHECK (status IN ('received', 'answered', 'complete')),
    received_at timestamptz NOT NULL
);
CREATE INDEX dig_requests_geom ON dig_requests USING gist (geom);
CREATE INDEX dig_requests_requester ON dig_requests (requester_id);
CREATE INDEX dig_requests_received ON dig_requests (received_at, id);

CREATE TABLE dig_responses (
    dig_request_id uuid NOT NULL REFERENCES dig_requests (id),
    owner_id text NOT NULL,
    answer text NOT NULL,
    deadline timestamptz NOT NULL,
    answered_at timestamptz,
    features_count bigint NOT NULL CHECK (features_count >= 0),
    PRIMARY KEY (dig_request_id, owner_id)
);
CREATE INDEX dig_responses_owner ON dig_responses (owner_id);
