//! Every PROJ object of the crate is made here.
//!
//! # Where PROJ's database comes from
//!
//! PROJ reads CRS definitions and transformations from `proj.db`. The bundled
//! build (`proj-sys` with `bundled_proj`, PROJ 9.6.2) links PROJ statically,
//! and PROJ's CMake then defaults to `EMBED_RESOURCE_FILES=ON`: a copy of
//! proj.db (about 9 MB) is compiled into the binary. At run time PROJ still
//! looks for a `proj.db` *file* first, in this order, and falls back to the
//! embedded copy only when none exists:
//!
//! 1. `~/.local/share/proj` (PROJ's user directory);
//! 2. `$PROJ_DATA` if set, *instead of* 3 and 4;
//! 3. `<directory of the executable>/../share/proj`;
//! 4. the build directory `target/.../proj-sys-*/out/share/proj`, baked in
//!    at compile time (present on a developer's machine only).
//!
//! So a deployed binary needs no data files, but a proj.db of *another* PROJ
//! version found first breaks every lookup ([`GeoError::ProjDatabase`]; PROJ
//! 9.6 refuses older database layouts). The usual way to get one: installing
//! the binary in `/usr/bin` next to Debian's `proj-data` (pulled in by GDAL),
//! whose `/usr/share/proj/proj.db` is then case 3, or a `PROJ_DATA` set for
//! GDAL's system PROJ. Install under `/usr/local/bin` or `/opt/...` and leave
//! `PROJ_DATA` unset, or point it at a proj.db of PROJ 9.6.
//!
//! No transformation grids are bundled (and the bundled build cannot read
//! TIFF grids), so datum shifts use grid-free operations: Amersfoort → ETRS89
//! by Helmert, about 0.3 m at the RD origin.

use proj::{Proj, ProjBuilder};

use crate::spelling::CrsId;
use crate::GeoError;

/// The PROJ CRS object for an identity (`EPSG:25832`, `OGC:CRS84`).
pub(crate) fn crs_object(id: CrsId) -> Result<Proj, String> {
    Proj::new(&id.to_string()).map_err(|e| e.to_string())
}

/// PROJ's best transformation between two CRSs, *without*
/// `proj_normalize_for_visualization`: input and output keep the authority
/// axis order of each CRS, degrees for geographic and metres for projected.
pub(crate) fn operation(from: CrsId, to: CrsId) -> Result<Proj, String> {
    let source = crs_object(from)?;
    let target = crs_object(to)?;
    source
        .create_crs_to_crs_from_pj(&target, None, None)
        .map_err(|e| e.to_string())
}

/// The error for a failed lookup: an unknown code, or (if even EPSG:4326,
/// present in every proj.db, fails) an unusable database.
///
/// Once the database has answered EPSG:4326 it is known usable and not
/// asked again: asking cost every refused code a second PROJ context (a few
/// milliseconds and a copy of proj.db). An unusable one is asked each time.
pub(crate) fn lookup_error(input: &str, detail: String) -> GeoError {
    use std::sync::atomic::{AtomicBool, Ordering};
    static USABLE: AtomicBool = AtomicBool::new(false);
    if USABLE.load(Ordering::Relaxed) || crs_object(CrsId::Epsg(4326)).is_ok() {
        USABLE.store(true, Ordering::Relaxed);
        return GeoError::UnknownCrs {
            input: input.to_owned(),
            detail: format!("not found in PROJ's database ({detail})"),
        };
    }
    let searched = ProjBuilder::new()
        .lib_info()
        .map(|info| info.searchpath)
        .unwrap_or_default();
    GeoError::ProjDatabase {
        detail: format!(
            "looking up {input:?} failed and so does EPSG:4326: PROJ found a proj.db \
             it cannot use (unreadable or of another PROJ version than 9.6) in \
             ~/.local/share/proj, $PROJ_DATA or <executable dir>/../share/proj \
             (default search path {searched}); remove it or unset PROJ_DATA so \
             the embedded copy is used"
        ),
    }
}
