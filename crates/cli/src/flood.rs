//! `forsyning flood ...`: depression filling, bluespots, sea-level and
//! cloudburst depth maps from a DEM (any GDAL raster; metres, EPSG:25832).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use forsyning_terrain::bluespots::{analyse, BluespotFilter, Bluespots};
use forsyning_terrain::climate::{Climate, ScenarioQuery};
use forsyning_terrain::cloudburst::cloudburst;
use forsyning_terrain::export::{bluespot_properties, multipolygon_json, write_feature_collection};
use forsyning_terrain::fill::fill_depressions;
use forsyning_terrain::grid::{Georef, Grid};
use forsyning_terrain::io::{write_geotiff, Raster, DEFAULT_MAX_CELLS};
use forsyning_terrain::polygon::{rasterise, vectorise};
use forsyning_terrain::sea::{inundation, Connectivity, SeaSource};
use indicatif::ProgressBar;

use crate::progress;

/// Nodata value of written float rasters.
const NODATA: f64 = -9999.0;

#[derive(Debug, Subcommand)]
pub enum FloodCommand {
    /// Fill every depression of DEM (priority-flood) and write the filled DEM.
    Fill {
        /// The DEM (GeoTIFF or any GDAL raster; elevations in metres).
        dem: PathBuf,
        /// The filled DEM (GeoTIFF).
        out: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Bluespots with area, depth, volume, pour point, watershed and the rain that fills them.
    Bluespots {
        /// The DEM (metres in a projected CRS, e.g. EPSG:25832; square cells).
        dem: PathBuf,
        /// Polygons: `.gpkg` (GeoPackage, layer `bluespots`) or `.geojson`.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        /// Also fill the bluespots with this much even rain (mm) and add the final state.
        #[arg(long)]
        rain: Option<f64>,
        /// Also write the bluespot labels (GeoTIFF).
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Also write the local watershed labels (GeoTIFF).
        #[arg(long)]
        watersheds: Option<PathBuf>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Sea-level inundation: cells below the level and connected to the sea; depth = level - terrain.
    Sea(SeaArgs),
    /// Cloudburst: even rain fills bluespots and spills downstream; writes the water depth.
    Rain {
        /// The DEM (metres in a projected CRS, e.g. EPSG:25832; square cells).
        dem: PathBuf,
        /// Rain in mm, evenly over the DEM.
        #[arg(long)]
        mm: f64,
        /// Water depth in metres (GeoTIFF).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        read: ReadArgs,
    },
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Refuse DEMs with more cells than this.
    #[arg(long, default_value_t = DEFAULT_MAX_CELLS)]
    pub max_cells: u64,
}

/// malstroem's filter by default: max depth > 0.05 m, > 5 cells, sum of depths > 1 m.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Keep depressions deeper than this (m); negative = no limit.
    #[arg(long, default_value_t = 0.05)]
    pub min_depth: f64,
    /// Keep depressions of more cells than this.
    #[arg(long, default_value_t = 5)]
    pub min_cells: u64,
    /// Keep depressions whose cell depths sum to more than this (m); negative = no limit.
    #[arg(long, default_value_t = 1.0)]
    pub min_depth_sum: f64,
    /// Keep depressions larger than this (m²).
    #[arg(long)]
    pub min_area: Option<f64>,
    /// Keep depressions holding more than this (m³).
    #[arg(long)]
    pub min_volume: Option<f64>,
}

impl FilterArgs {
    fn filter(&self) -> BluespotFilter {
        BluespotFilter {
            max_depth_gt: (self.min_depth >= 0.0).then_some(self.min_depth),
            cells_gt: Some(self.min_cells),
            depth_sum_gt: (self.min_depth_sum >= 0.0).then_some(self.min_depth_sum),
            area_gt: self.min_area,
            volume_gt: self.min_volume,
        }
    }
}

#[derive(Debug, Args)]
pub struct SeaArgs {
    /// The DEM (metres, DVR90 heights).
    pub dem: PathBuf,
    /// Water level in metres (DVR90). Or give --scenario, --year and --station.
    #[arg(
        long,
        required_unless_present = "scenario",
        allow_negative_numbers = true
    )]
    pub level: Option<f64>,
    /// Climate scenario for the level (e.g. SSP2-4.5, RCP8.5).
    #[arg(long, requires_all = ["year", "station"], conflicts_with = "level")]
    pub scenario: Option<String>,
    /// Year of the scenario.
    #[arg(long)]
    pub year: Option<f64>,
    /// Station of the storm surge and sea-level rise.
    #[arg(long)]
    pub station: Option<String>,
    /// Storm-surge return period in years (omit for mean sea level).
    #[arg(long)]
    pub return_period: Option<f64>,
    /// Quantile of the rise (default: the median, or the only one the file lists).
    #[arg(long)]
    pub quantile: Option<f64>,
    /// Take the rise from this station (e.g. "Denmark") instead of --station.
    #[arg(long)]
    pub rise_station: Option<String>,
    /// A climate scenario file replacing the built-in one (format in its header).
    #[arg(long)]
    pub climate: Option<PathBuf>,
    /// Water depth in metres (GeoTIFF).
    #[arg(long)]
    pub out: PathBuf,
    /// The sea as polygons (GeoJSON in the DEM's CRS); border cells below the level count too unless --no-border.
    #[arg(long)]
    pub sea: Option<PathBuf>,
    /// Do not treat raster border cells below the level as sea.
    #[arg(long)]
    pub no_border: bool,
    /// Nodata cells are sea.
    #[arg(long)]
    pub nodata_is_sea: bool,
    /// Let water pass between cells touching at a corner (default: edges only).
    #[arg(long)]
    pub diagonal: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(command: FloodCommand) -> anyhow::Result<()> {
    forsyning_terrain::io::limit_gdal_cache();
    match command {
        FloodCommand::Fill { dem, out, read } => {
            let (mut grid, georef) = read_dem(&dem, &read, false)?;
            let pb = progress::bar(grid.len() as u64, "fill");
            fill_depressions(&mut grid, &mut |d| pb.set_position(d));
            pb.finish_and_clear();
            write_geotiff(&out, &grid, &georef, Some(NODATA))?;
            println!("{}: filled {} cells", out.display(), grid.len());
            Ok(())
        }
        FloodCommand::Bluespots {
            dem,
            out,
            filter,
            rain,
            labels,
            watersheds,
            read,
        } => {
            let (grid, georef) = read_dem(&dem, &read, true)?;
            let b = bluespots(&grid, &georef, &filter)?;
            let cb = rain
                .map(|mm| cloudburst(&grid, &b, georef.cell_area(), mm))
                .transpose()?;
            if let Some(p) = labels {
                write_geotiff(&p, &b.labels, &georef, Some(0.0))?;
            }
            if let Some(p) = watersheds {
                write_geotiff(&p, &b.watersheds, &georef, None)?;
            }
            let pb = progress::bar(b.bluespots.len() as u64, "polygons");
            let shapes = vectorise(&b.labels, &georef);
            pb.set_position(b.bluespots.len() as u64);
            pb.finish_and_clear();
            let features: Vec<_> = shapes
                .into_iter()
                .map(|(id, shape)| {
                    let k = id as usize - 1;
                    (
                        bluespot_properties(&b.bluespots[k], cb.as_ref().map(|c| (c, k))),
                        shape,
                    )
                })
                .collect();
            write_features(&out, georef.epsg.unwrap_or(25832), "bluespots", &features)?;
            println!(
                "{}: {} bluespots ({} depressions before filtering)",
                out.display(),
                b.bluespots.len(),
                b.raw_count
            );
            Ok(())
        }
        FloodCommand::Sea(args) => sea(args),
        FloodCommand::Rain {
            dem,
            mm,
            out,
            filter,
            read,
        } => {
            let (grid, georef) = read_dem(&dem, &read, true)?;
            let b = bluespots(&grid, &georef, &filter)?;
            let cb = cloudburst(&grid, &b, georef.cell_area(), mm)?;
            write_geotiff(&out, &cb.depth, &georef, Some(NODATA))?;
            let full = cb
                .states
                .iter()
                .filter(|s| s.pct_full.is_some_and(|p| p >= 99.99))
                .count();
            let wet = cb.depth.data().iter().filter(|&&d| d > 0.0).count();
            let held: f64 = cb.states.iter().map(|s| s.volume_m3).sum();
            println!(
                "{}: {mm} mm: {full} of {} bluespots full, {held:.0} m³ held, {wet} wet cells",
                out.display(),
                b.bluespots.len()
            );
            Ok(())
        }
    }
}

fn read_dem(
    path: &Path,
    read: &ReadArgs,
    need_metres: bool,
) -> anyhow::Result<(Grid<f32>, Georef)> {
    let raster = Raster::open(path)?;
    let georef = raster.georef().clone();
    // Areas, volumes and rain need metres: any projected CRS will do
    // (EPSG:25832 in Denmark, EPSG:28992 for the Dutch AHN, ...).
    if need_metres {
        match georef.epsg {
            Some(code)
                if forsyning_geo::Crs::epsg(code).is_ok_and(|c| !c.is_geographic()) => {}
            Some(code) => bail!(
                "{}: the DEM is in EPSG:{code}, not a projected CRS in metres; bluespots and \
                 rain need metres (reprojection is not built yet: `gdalwarp -t_srs EPSG:25832 {} dem25832.tif`)",
                path.display(),
                path.display()
            ),
            None => eprintln!(
                "warning: {} has no EPSG code; assuming metres on square cells (outputs are labelled EPSG:25832)",
                path.display()
            ),
        }
    }
    let (_, h) = raster.size();
    let pb = progress::bar(h as u64, "read rows");
    let grid = raster.read_all(read.max_cells, &mut |d, _| pb.set_position(d))?;
    pb.finish_and_clear();
    Ok((grid, georef))
}

fn bluespots(grid: &Grid<f32>, georef: &Georef, filter: &FilterArgs) -> anyhow::Result<Bluespots> {
    let pb: ProgressBar = progress::bar(grid.len() as u64, "fill");
    let b = analyse(grid, georef, &filter.filter(), &mut |stage, done, _| {
        if pb.message() != stage {
            pb.set_message(stage.to_owned());
        }
        pb.set_position(done);
    })?;
    pb.finish_and_clear();
    Ok(b)
}

fn write_features(
    out: &Path,
    epsg: u32,
    layer: &str,
    features: &[(
        serde_json::Map<String, serde_json::Value>,
        geo_types::MultiPolygon<f64>,
    )],
) -> anyhow::Result<()> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "gpkg" => {
            if out.exists() {
                std::fs::remove_file(out)
                    .with_context(|| format!("replacing {}", out.display()))?;
            }
            forsyning_terrain::vector::write_gpkg(out, layer, epsg, features)?;
        }
        "geojson" | "json" => {
            let f = std::fs::File::create(out)
                .with_context(|| format!("creating {}", out.display()))?;
            let mut w = std::io::BufWriter::new(f);
            write_feature_collection(
                &mut w,
                epsg,
                features
                    .iter()
                    .map(|(p, g)| (p.clone(), multipolygon_json(g))),
            )
            .with_context(|| format!("writing {}", out.display()))?;
        }
        _ => bail!("{}: write .gpkg or .geojson", out.display()),
    }
    Ok(())
}

fn sea(a: SeaArgs) -> anyhow::Result<()> {
    let level = match (&a.scenario, a.level) {
        (_, Some(l)) => l,
        (Some(scenario), None) => {
            let climate = match &a.climate {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("reading {}", p.display()))?;
                    Climate::parse(&text, &p.display().to_string())?
                }
                None => Climate::defaults(),
            };
            let station = a.station.as_deref().unwrap_or_default();
            let l = climate.level(&ScenarioQuery {
                year: a.year.unwrap_or_default(),
                scenario,
                quantile: a.quantile,
                return_period_years: a.return_period,
                station,
                rise_station: a.rise_station.as_deref(),
            })?;
            println!(
                "level {:.2} m = surge {:.2} m ({}) + rise {:.2} m; sources: {}",
                l.level_m,
                l.surge_m,
                l.datum,
                l.rise_m,
                l.sources.join("; ")
            );
            l.level_m
        }
        (None, None) => bail!("give --level or --scenario"),
    };
    let (grid, georef) = read_dem(&a.dem, &a.read, false)?;
    let mask = match &a.sea {
        Some(p) => Some(sea_mask(p, &grid, &georef)?),
        None => None,
    };
    let src = SeaSource {
        border: !a.no_border,
        nodata: a.nodata_is_sea,
        mask: mask.as_ref(),
    };
    let conn = if a.diagonal {
        Connectivity::Eight
    } else {
        Connectivity::Four
    };
    let pb = progress::bar(grid.len() as u64, "flood");
    let depth = inundation(&grid, level, &src, conn)?;
    pb.set_position(grid.len() as u64);
    pb.finish_and_clear();
    write_geotiff(&a.out, &depth, &georef, Some(NODATA))?;
    let wet = depth.data().iter().filter(|&&d| d > 0.0).count();
    println!(
        "{}: level {level} m floods {wet} cells ({:.0} m²)",
        a.out.display(),
        wet as f64 * georef.cell_area()
    );
    Ok(())
}

fn sea_mask(path: &Path, grid: &Grid<f32>, georef: &Georef) -> anyhow::Result<Grid<bool>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let geoms: Vec<&serde_json::Value> = match v["type"].as_str() {
        Some("FeatureCollection") => v["features"]
            .as_array()
            .map(|f| f.iter().map(|f| &f["geometry"]).collect())
            .unwrap_or_default(),
        Some("Feature") => vec![&v["geometry"]],
        _ => vec![&v],
    };
    let mut polys = Vec::new();
    for (k, g) in geoms.iter().enumerate() {
        let rings_of = |p: &serde_json::Value| -> Option<geo_types::Polygon<f64>> {
            let rings: Vec<geo_types::LineString<f64>> = p
                .as_array()?
                .iter()
                .map(|r| {
                    r.as_array()
                        .map(|pts| {
                            pts.iter()
                                .filter_map(|c| Some((c.get(0)?.as_f64()?, c.get(1)?.as_f64()?)))
                                .collect::<Vec<_>>()
                                .into()
                        })
                        .unwrap_or_else(|| geo_types::LineString(vec![]))
                })
                .collect();
            let (ext, holes) = rings.split_first()?;
            Some(geo_types::Polygon::new(ext.clone(), holes.to_vec()))
        };
        match g["type"].as_str() {
            Some("Polygon") => polys.extend(rings_of(&g["coordinates"])),
            Some("MultiPolygon") => {
                for p in g["coordinates"].as_array().into_iter().flatten() {
                    polys.extend(rings_of(p));
                }
            }
            other => bail!(
                "{}: feature {k}: geometry {other:?} is not a (Multi)Polygon",
                path.display()
            ),
        }
    }
    Ok(rasterise(
        &geo_types::MultiPolygon(polys),
        grid.width(),
        grid.height(),
        georef,
    ))
}
