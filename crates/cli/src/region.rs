//! `--region denmark|netherlands|FILE`: the region the command works in,
//! resolved once, with its native CRS checked against PROJ.

use anyhow::{bail, Context};
use forsyning_geo::Crs;
use forsyning_model::Region;
use forsyning_store::StoreRegion;
use geo_types::{coord, Rect};

/// A region with its CRS as PROJ knows it and the store's view of it.
#[derive(Debug, Clone)]
pub struct RegionCtx {
    pub region: Region,
    pub crs: Crs,
    pub store: StoreRegion,
}

impl RegionCtx {
    /// `arg` is a built-in region's name or the path of a region file.
    pub fn resolve(arg: &str) -> anyhow::Result<Self> {
        let region = match Region::builtin(arg) {
            Some(r) => r,
            None => {
                let text = std::fs::read_to_string(arg).with_context(|| {
                    format!(
                        "--region {arg:?}: neither denmark, netherlands nor a readable region file"
                    )
                })?;
                Region::from_toml(&text, arg)?
            }
        };
        let crs = Crs::epsg(region.srid)
            .with_context(|| format!("region {}: crs EPSG:{}", region.name, region.srid))?;
        if crs.is_geographic() {
            bail!(
                "region {}: crs EPSG:{} is geographic; buffers and distances need a projected CRS in metres",
                region.name,
                region.srid
            );
        }
        let (srs_wkt, srs_name) = crs
            .wkt1()
            .with_context(|| format!("region {}: WKT of EPSG:{}", region.name, region.srid))?;
        let store = StoreRegion {
            name: region.name.clone(),
            srid: i32::try_from(region.srid).context("EPSG code out of range")?,
            srs_name,
            srs_wkt,
        };
        Ok(Self { region, crs, store })
    }

    /// The region with `--service-area` (in its CRS) instead of its own.
    pub fn with_service_area(mut self, arg: Option<&str>) -> anyhow::Result<Self> {
        if let Some(arg) = arg {
            let area = parse_service_area(arg, &self.region)?;
            self.region.service_area = area;
            self.region.dig_limits.service_area = area;
        }
        Ok(self)
    }
}

/// `--service-area`: a built-in region's name (whose area must be in this
/// region's CRS), or `MINX,MINY,MAXX,MAXY` in the region's CRS. In a
/// Denmark (EPSG:25832) region `netherlands` keeps its old meaning: the
/// Netherlands in EPSG:25832.
pub fn parse_service_area(arg: &str, region: &Region) -> anyhow::Result<Rect<f64>> {
    if let Some(named) = Region::builtin(arg) {
        if named.srid == region.srid {
            return Ok(named.service_area);
        }
        if region.srid == 25832 && arg == "netherlands" {
            return Ok(forsyning_ingest::pipeline::netherlands_service_area());
        }
        bail!(
            "--service-area {arg}: that area is in EPSG:{}, this region ({}) is EPSG:{}; give MINX,MINY,MAXX,MAXY in EPSG:{}",
            named.srid,
            region.name,
            region.srid,
            region.srid
        );
    }
    let v: Vec<f64> = arg
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()
        .filter(|v: &Vec<f64>| v.len() == 4 && v.iter().all(|x| x.is_finite()))
        .with_context(|| {
            format!("--service-area {arg:?}: expected denmark, netherlands or MINX,MINY,MAXX,MAXY")
        })?;
    if v[0] >= v[2] || v[1] >= v[3] {
        bail!("--service-area {arg:?}: the minimum must be below the maximum");
    }
    Ok(Rect::new(
        coord! {x: v[0], y: v[1]},
        coord! {x: v[2], y: v[3]},
    ))
}
