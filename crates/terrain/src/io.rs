//! Raster I/O through GDAL (any GDAL raster format in, GeoTIFF out), read in
//! windows so that no read allocates more than one strip at a time beyond the
//! destination grid, and so that callers can process a large raster tile by
//! tile with [`Raster::read_window`].

use std::path::{Path, PathBuf};

use gdal::raster::{Buffer, GdalType, RasterCreationOptions};
use gdal::spatial_ref::SpatialRef;
use gdal::{Dataset, DriverManager};

use crate::grid::{Georef, Grid};
use crate::TerrainError;

/// Default cap on the cells of a raster read whole: 2^31 (8 GiB as float32).
pub const DEFAULT_MAX_CELLS: u64 = 1 << 31;

/// GDAL's block cache for terrain runs, MiB, unless `GDAL_CACHEMAX` is set.
pub const GDAL_CACHE_MIB: u32 = 64;

/// Caps GDAL's block cache at [`GDAL_CACHE_MIB`] unless the environment
/// sets `GDAL_CACHEMAX`. The algorithms hold the whole grid themselves, so
/// GDAL's default (5% of RAM) only kept a second copy of the blocks being
/// written: 330 MiB of the 1,290 MiB peak of a 100 M-cell fill. Call it
/// before the first raster is opened.
pub fn limit_gdal_cache() {
    if std::env::var_os("GDAL_CACHEMAX").is_none() {
        let _ = gdal::config::set_config_option("GDAL_CACHEMAX", &GDAL_CACHE_MIB.to_string());
    }
}

/// An open single-band raster.
#[derive(Debug)]
pub struct Raster {
    path: PathBuf,
    ds: Dataset,
    georef: Georef,
    nodata: Option<f64>,
}

fn gdal_err(path: &Path) -> impl Fn(gdal::errors::GdalError) -> TerrainError + '_ {
    move |e| TerrainError::Gdal {
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

impl Raster {
    /// Opens `path` and reads its georeference (band 1 is the one used).
    pub fn open(path: &Path) -> Result<Raster, TerrainError> {
        let ds = Dataset::open(path).map_err(gdal_err(path))?;
        if ds.raster_count() < 1 {
            return Err(TerrainError::Unsupported {
                path: path.to_owned(),
                reason: "no raster band".into(),
            });
        }
        let gt = ds.geo_transform().map_err(|e| TerrainError::Unsupported {
            path: path.to_owned(),
            reason: format!("no geotransform ({e})"),
        })?;
        if gt[2] != 0.0 || gt[4] != 0.0 {
            return Err(TerrainError::Unsupported {
                path: path.to_owned(),
                reason: "rotated rasters are not supported".into(),
            });
        }
        if !(gt[1] > 0.0 && gt[5] < 0.0) {
            return Err(TerrainError::Unsupported {
                path: path.to_owned(),
                reason: format!(
                    "cell size {} x {} must be positive x, negative y",
                    gt[1], gt[5]
                ),
            });
        }
        let (epsg, wkt) = match ds.spatial_ref() {
            Ok(srs) => {
                let epsg = (srs.auth_name().as_deref() == Some("EPSG"))
                    .then(|| srs.auth_code().ok())
                    .flatten()
                    .and_then(|c| u32::try_from(c).ok());
                (epsg, srs.to_wkt().ok())
            }
            Err(_) => (None, None),
        };
        let nodata = ds.rasterband(1).map_err(gdal_err(path))?.no_data_value();
        Ok(Raster {
            path: path.to_owned(),
            georef: Georef {
                origin_x: gt[0],
                origin_y: gt[3],
                cell_w: gt[1],
                cell_h: -gt[5],
                epsg,
                wkt,
            },
            ds,
            nodata,
        })
    }

    /// Columns and rows.
    pub fn size(&self) -> (usize, usize) {
        self.ds.raster_size()
    }

    /// Where the raster lies.
    pub fn georef(&self) -> &Georef {
        &self.georef
    }

    /// The band's nodata value.
    pub fn nodata(&self) -> Option<f64> {
        self.nodata
    }

    /// Cells `x0..x0+w`, rows `y0..y0+h` of band 1 as float32, nodata as NaN.
    pub fn read_window(
        &self,
        x0: usize,
        y0: usize,
        w: usize,
        h: usize,
    ) -> Result<Grid<f32>, TerrainError> {
        let (rw, rh) = self.size();
        if x0 + w > rw || y0 + h > rh {
            return Err(TerrainError::InvalidGrid(format!(
                "window {x0},{y0} {w}x{h} outside {rw}x{rh} raster {}",
                self.path.display()
            )));
        }
        let mut g = Grid::filled(w, h, 0f32);
        self.read_into(x0, y0, w, h, g.data_mut())?;
        Ok(g)
    }

    fn read_into(
        &self,
        x0: usize,
        y0: usize,
        w: usize,
        h: usize,
        out: &mut [f32],
    ) -> Result<(), TerrainError> {
        let band = self.ds.rasterband(1).map_err(gdal_err(&self.path))?;
        band.read_into_slice::<f32>((x0 as isize, y0 as isize), (w, h), (w, h), out, None)
            .map_err(gdal_err(&self.path))?;
        if let Some(nd) = self.nodata {
            let nd32 = nd as f32;
            for v in out.iter_mut() {
                if *v == nd32 || (nd.is_nan() && v.is_nan()) {
                    *v = f32::NAN;
                }
            }
        }
        Ok(())
    }

    /// The whole band as float32 (nodata as NaN), read in strips of block
    /// rows; refused when larger than `max_cells`. `progress(rows_done, rows)`.
    pub fn read_all(
        &self,
        max_cells: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Grid<f32>, TerrainError> {
        let (w, h) = self.size();
        if (w as u64) * (h as u64) > max_cells || (w as u64) * (h as u64) > u32::MAX as u64 {
            return Err(TerrainError::TooLarge {
                path: self.path.clone(),
                width: w,
                height: h,
                limit: max_cells.min(u32::MAX as u64),
            });
        }
        let band = self.ds.rasterband(1).map_err(gdal_err(&self.path))?;
        let strip = band.block_size().1.clamp(1, 1024).max(64.min(h.max(1)));
        let mut g = Grid::filled(w, h, 0f32);
        let mut y = 0;
        while y < h {
            let sh = strip.min(h - y);
            self.read_into(0, y, w, sh, &mut g.data_mut()[y * w..(y + sh) * w])?;
            y += sh;
            progress(y as u64, h as u64);
        }
        Ok(g)
    }
}

impl Raster {
    /// The whole band in its own cell type, nodata untouched (for label and
    /// direction rasters); refused when larger than `max_cells`.
    pub fn read_raw<T: GdalType + Copy + Default>(
        &self,
        max_cells: u64,
    ) -> Result<Grid<T>, TerrainError> {
        let (w, h) = self.size();
        if (w as u64) * (h as u64) > max_cells {
            return Err(TerrainError::TooLarge {
                path: self.path.clone(),
                width: w,
                height: h,
                limit: max_cells,
            });
        }
        let band = self.ds.rasterband(1).map_err(gdal_err(&self.path))?;
        let mut g = Grid::filled(w, h, T::default());
        band.read_into_slice::<T>((0, 0), (w, h), (w, h), g.data_mut(), None)
            .map_err(gdal_err(&self.path))?;
        Ok(g)
    }
}

/// Writes `grid` as a tiled, deflate-compressed GeoTIFF; NaN cells of a
/// float grid become `nodata`.
pub fn write_geotiff<T: GdalType + Copy + NanToNodata>(
    path: &Path,
    grid: &Grid<T>,
    georef: &Georef,
    nodata: Option<f64>,
) -> Result<(), TerrainError> {
    let driver = DriverManager::get_driver_by_name("GTiff").map_err(gdal_err(path))?;
    let options =
        RasterCreationOptions::from_iter(["COMPRESS=DEFLATE", "TILED=YES", "BIGTIFF=IF_SAFER"]);
    let (w, h) = (grid.width(), grid.height());
    let mut ds = driver
        .create_with_band_type_with_options::<T, _>(path, w, h, 1, &options)
        .map_err(gdal_err(path))?;
    ds.set_geo_transform(&georef.geotransform())
        .map_err(gdal_err(path))?;
    let srs = match (&georef.wkt, georef.epsg) {
        (Some(wkt), _) => SpatialRef::from_wkt(wkt).ok(),
        (None, Some(code)) => SpatialRef::from_epsg(code).ok(),
        _ => None,
    };
    if let Some(srs) = srs {
        ds.set_spatial_ref(&srs).map_err(gdal_err(path))?;
    }
    let mut band = ds.rasterband(1).map_err(gdal_err(path))?;
    if let Some(nd) = nodata {
        band.set_no_data_value(Some(nd)).map_err(gdal_err(path))?;
    }
    let strip = 256usize;
    let mut y = 0;
    while y < h {
        let sh = strip.min(h - y);
        let mut rows: Vec<T> = grid.data()[y * w..(y + sh) * w].to_vec();
        if let Some(nd) = nodata {
            for v in rows.iter_mut() {
                *v = v.nan_to(nd);
            }
        }
        let mut buf = Buffer::new((w, sh), rows);
        band.write((0, y as isize), (w, sh), &mut buf)
            .map_err(gdal_err(path))?;
        y += sh;
    }
    Ok(())
}

/// Replaces NaN with a nodata value (a no-op for integer cells).
pub trait NanToNodata {
    /// `self`, or `nodata` when `self` is NaN.
    fn nan_to(self, nodata: f64) -> Self;
}

impl NanToNodata for f32 {
    fn nan_to(self, nodata: f64) -> f32 {
        if self.is_nan() {
            nodata as f32
        } else {
            self
        }
    }
}

impl NanToNodata for f64 {
    fn nan_to(self, nodata: f64) -> f64 {
        if self.is_nan() {
            nodata
        } else {
            self
        }
    }
}

macro_rules! int_nodata {
    ($($t:ty),*) => {$(
        impl NanToNodata for $t {
            fn nan_to(self, _nodata: f64) -> $t { self }
        }
    )*};
}
int_nodata!(u8, u32, i32);
