-- The region the store was created for (name, srid). Written once by the
-- store on first connect; a store without rows here predates regions and is
-- Denmark in EPSG:25832.
CREATE TABLE forsyning_meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
