//! The region a store is created for: its name and native CRS, recorded in
//! the store when it is created and checked on every open, so a store of one
//! region is never read (or silently reprojected) as another.

/// A store's region: the name and the native CRS its geometry is kept in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRegion {
    /// Short name (`denmark`, `netherlands`, or a region file's `name`).
    pub name: String,
    /// EPSG code of the native CRS; every geometry is in its metres.
    pub srid: i32,
    /// Human-readable CRS name, for `gpkg_spatial_ref_sys.srs_name`.
    pub srs_name: String,
    /// The CRS as WKT 1 (GeoPackage `gpkg_spatial_ref_sys.definition`).
    pub srs_wkt: String,
}

/// WKT 1 of EPSG:25832 as GDAL writes it.
pub(crate) const WKT_25832: &str = r#"PROJCS["ETRS89 / UTM zone 32N",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6258"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4258"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",9],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","25832"]]"#;

impl StoreRegion {
    /// Denmark in EPSG:25832: what every store was before regions existed,
    /// and what a store without a recorded region is taken to be.
    pub fn denmark() -> Self {
        Self {
            name: "denmark".into(),
            srid: 25832,
            srs_name: "ETRS89 / UTM zone 32N".into(),
            srs_wkt: WKT_25832.into(),
        }
    }

    /// `name (EPSG:code)`, as errors name a region.
    pub fn describe(&self) -> String {
        format!("{} (EPSG:{})", self.name, self.srid)
    }

    /// Whether a store recorded as `name` in `srid` may be opened as `self`.
    pub(crate) fn check(
        &self,
        store: &str,
        name: &str,
        srid: i32,
    ) -> Result<(), crate::StoreError> {
        if self.name == name && self.srid == srid {
            return Ok(());
        }
        Err(crate::StoreError::RegionMismatch {
            store: store.to_owned(),
            recorded: format!("{name} (EPSG:{srid})"),
            requested: self.describe(),
        })
    }
}
