-- Forsyning schema. PostGIS itself is created by the store on connect (or by a DBA).
CREATE TABLE network_features (
    fid bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    owner_id text NOT NULL,
    dataset_id uuid NOT NULL,
    version integer NOT NULL,
    source_id text NOT NULL,
    source_format text NOT NULL,
    source_class text NOT NULL,
    theme text NOT NULL,
    kind text NOT NULL,
    status text,
    hazard text,
    safety_note text,
    accuracy_xy text NOT NULL,
    accuracy_z text NOT NULL,
    drawing_method text,
    depth_mm bigint,
    diameter_mm bigint,
    voltage_kv double precision,
    pressure_bar double precision,
    material text,
    installed text,
    heights text,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    geom geometry(Geometry, 25832) NOT NULL
);
CREATE INDEX network_features_geom ON network_features USING gist (geom);
CREATE INDEX network_features_dataset ON network_features (dataset_id, version);

CREATE TABLE network_features_history (LIKE network_features INCLUDING DEFAULTS);
ALTER TABLE network_features_history ADD PRIMARY KEY (fid);
CREATE UNIQUE INDEX network_features_history_id ON network_features_history (id, version);
CREATE INDEX network_features_history_dataset ON network_features_history (dataset_id, version);

CREATE TABLE datasets (
    dataset_id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    name text NOT NULL,
    current_version integer NOT NULL,
    UNIQUE (owner_id, name)
);

CREATE TABLE dataset_versions (
    dataset_id uuid NOT NULL REFERENCES datasets (dataset_id),
    version integer NOT NULL,
    feature_count bigint NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE interest_areas (
    fid bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    owner_id text NOT NULL,
    themes text NOT NULL,
    contact text NOT NULL,
    marks_on_site boolean NOT NULL,
    geom geometry(MultiPolygon, 25832) NOT NULL
);
CREATE INDEX interest_areas_geom ON interest_areas USING gist (geom);
CREATE INDEX interest_areas_owner ON interest_areas (owner_id);
