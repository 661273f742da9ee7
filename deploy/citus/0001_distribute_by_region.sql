-- Scale-out with Citus: distribute the feature tables by region.
-- Run once, by a DBA, on the coordinator of a Citus cluster that already
-- holds Forsyning's schema (forsyning db migrate), in a maintenance window.
-- Not applied by the server: `crates/store/migrations` stays plain PostGIS.
--
-- The distribution column is `region` (a Danish region code: 1081 Nordjylland,
-- 1082 Midtjylland, 1083 Syddanmark, 1084 Hovedstaden, 1085 Sjælland),
-- derived from the owner: a utility's network lies in its own region, so
-- a dig request (which touches one region, 500 m at most) is answered by
-- one shard group. Owners spanning regions get one dataset per region.
CREATE EXTENSION IF NOT EXISTS citus;

CREATE TABLE IF NOT EXISTS owner_regions (
    owner_id text PRIMARY KEY REFERENCES organisations (id),
    region smallint NOT NULL CHECK (region BETWEEN 1081 AND 1085)
);

ALTER TABLE datasets ADD COLUMN IF NOT EXISTS region smallint;
ALTER TABLE network_features ADD COLUMN IF NOT EXISTS region smallint;
ALTER TABLE network_features_history ADD COLUMN IF NOT EXISTS region smallint;
ALTER TABLE interest_areas ADD COLUMN IF NOT EXISTS region smallint;

UPDATE datasets d SET region = r.region FROM owner_regions r WHERE r.owner_id = d.owner_id;
UPDATE network_features f SET region = r.region FROM owner_regions r WHERE r.owner_id = f.owner_id;
UPDATE network_features_history f SET region = r.region FROM owner_regions r WHERE r.owner_id = f.owner_id;
UPDATE interest_areas a SET region = r.region FROM owner_regions r WHERE r.owner_id = a.owner_id;

ALTER TABLE network_features ALTER COLUMN region SET NOT NULL;
ALTER TABLE network_features_history ALTER COLUMN region SET NOT NULL;
ALTER TABLE interest_areas ALTER COLUMN region SET NOT NULL;

-- Citus needs the distribution column in every unique constraint.
ALTER TABLE network_features DROP CONSTRAINT IF EXISTS network_features_pkey;
ALTER TABLE network_features ADD PRIMARY KEY (region, id);
ALTER TABLE network_features_history DROP CONSTRAINT IF EXISTS network_features_history_pkey;
ALTER TABLE network_features_history ADD PRIMARY KEY (region, id, version);

-- Small, read everywhere, written rarely: replicated to every node.
SELECT create_reference_table('organisations');
SELECT create_reference_table('owner_regions');
SELECT create_reference_table('datasets');
SELECT create_reference_table('dataset_versions');

-- The big ones: sharded by region, co-located so a request joins locally.
SELECT create_distributed_table('network_features', 'region', shard_count => 32);
SELECT create_distributed_table('network_features_history', 'region', colocate_with => 'network_features');
SELECT create_distributed_table('interest_areas', 'region', colocate_with => 'network_features');

-- Operations tables (tokens, audit, dig requests, outbox, jobs, incidents)
-- stay on the coordinator: they are small, and the audit chain needs one
-- order of appends.
