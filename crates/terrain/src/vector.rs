//! Polygon layers to a GeoPackage through GDAL (the same file QGIS and
//! `ogrinfo` open), one transaction per layer.

use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, FieldValue, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::DriverManager;
use geo_types::MultiPolygon;
use serde_json::{Map, Value};

use crate::TerrainError;

/// Writes `features` (properties, polygons in EPSG:`epsg`) as layer `layer`
/// of a new GeoPackage at `path`. Field types follow the first feature's
/// properties: numbers as reals or 64-bit integers, everything else as text.
pub fn write_gpkg(
    path: &Path,
    layer: &str,
    epsg: u32,
    features: &[(Map<String, Value>, MultiPolygon<f64>)],
) -> Result<(), TerrainError> {
    let e = |err: gdal::errors::GdalError| TerrainError::Gdal {
        path: path.to_owned(),
        detail: err.to_string(),
    };
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(e)?;
    let mut ds = driver.create_vector_only(path).map_err(e)?;
    let srs = SpatialRef::from_epsg(epsg).map_err(e)?;
    let mut txn = ds.start_transaction().map_err(e)?;
    {
        let lyr = txn
            .create_layer(LayerOptions {
                name: layer,
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbMultiPolygon,
                options: None,
            })
            .map_err(e)?;
        let Some((first, _)) = features.first() else {
            let _ = lyr;
            txn.commit().map_err(e)?;
            return Ok(());
        };
        let kinds: Vec<(String, u32)> = first
            .iter()
            .map(|(k, v)| {
                let t = match v {
                    Value::Number(n) if n.is_i64() || n.is_u64() => OGRFieldType::OFTInteger64,
                    Value::Number(_) => OGRFieldType::OFTReal,
                    _ => OGRFieldType::OFTString,
                };
                (k.clone(), t)
            })
            .collect();
        let defs: Vec<(&str, u32)> = kinds.iter().map(|(k, t)| (k.as_str(), *t)).collect();
        lyr.create_defn_fields(&defs).map_err(e)?;
        for (props, shape) in features {
            let mut f = Feature::new(lyr.defn()).map_err(e)?;
            for (idx, (k, t)) in kinds.iter().enumerate() {
                let value = match (props.get(k), *t) {
                    (Some(Value::Null) | None, _) => continue,
                    (Some(Value::Number(n)), OGRFieldType::OFTInteger64) => {
                        FieldValue::Integer64Value(n.as_i64().unwrap_or(i64::MAX))
                    }
                    (Some(Value::Number(n)), OGRFieldType::OFTReal) => {
                        FieldValue::RealValue(n.as_f64().unwrap_or(f64::NAN))
                    }
                    (Some(Value::String(s)), _) => FieldValue::StringValue(s.clone()),
                    (Some(v), _) => FieldValue::StringValue(v.to_string()),
                };
                f.set_field(idx, &value).map_err(e)?;
            }
            f.set_geometry(shape.to_gdal().map_err(e)?).map_err(e)?;
            f.create(&lyr).map_err(e)?;
        }
    }
    txn.commit().map_err(e)?;
    Ok(())
}
