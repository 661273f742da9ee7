//! Every PROJ object of the crate is made here, so they all read the same proj.db.
//!
//! PROJ looks its CRS definitions up in `proj.db` (about 9 MB), a file, not
//! code: the bundled build (`proj-sys`, feature `bundled_proj`) compiles the
//! library in statically but leaves `proj.db` in cargo's build directory
//! (`target/<profile>/build/proj-sys-*/out/share/proj`) and bakes that absolute
//! path into the binary. A deployed binary therefore needs the file shipped
//! next to it and pointed at, either by [`set_proj_data_dir`] (called by the
//! binary from its configuration) or by PROJ's own `PROJ_DATA` environment
//! variable, which PROJ (not this crate) reads.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proj::{Proj, ProjBuilder};

use crate::spelling::CrsId;
use crate::GeoError;

static DATA_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Tells PROJ where to find `proj.db`: a directory searched after PROJ's
/// built-in path for every PROJ object this crate creates from now on.
///
/// Call it once at start-up, before the first [`crate::Crs`] is made (CRS
/// facts are cached per process). While it is set, PROJ ignores `PROJ_DATA`.
/// Setting the same directory again is fine; a different one is an error.
pub fn set_proj_data_dir(dir: &Path) -> Result<(), GeoError> {
    let stored = DATA_DIR.get_or_init(|| dir.to_path_buf());
    if stored == dir {
        Ok(())
    } else {
        Err(GeoError::ProjDatabase {
            detail: format!(
                "the PROJ data directory is already set to {}, cannot change it to {}",
                stored.display(),
                dir.display()
            ),
        })
    }
}

fn builder() -> Result<ProjBuilder, String> {
    let mut builder = ProjBuilder::new();
    if let Some(dir) = DATA_DIR.get() {
        builder.set_search_paths(dir).map_err(|e| e.to_string())?;
    }
    Ok(builder)
}

/// The PROJ CRS object for an identity (`EPSG:25832`, `OGC:CRS84`).
pub(crate) fn crs_object(id: CrsId) -> Result<Proj, String> {
    builder()?
        .proj(&id.to_string())
        .map_err(|e| e.to_string())
}

/// PROJ's best transformation between two CRSs, *without*
/// `proj_normalize_for_visualization`: input and output keep the authority
/// axis order of each CRS, degrees for geographic and metres for projected.
pub(crate) fn operation(from: CrsId, to: CrsId) -> Result<Proj, String> {
    let source = crs_object(from)?;
    let target = crs_object(to)?;
    builder()?
        .proj_create_crs_to_crs_from_pj(&source, &target, None, None)
        .map_err(|e| e.to_string())
}

/// Whether proj.db answers at all (EPSG:4326 is in every version of it).
pub(crate) fn database_works() -> bool {
    crs_object(CrsId::Epsg(4326)).is_ok()
}

/// A description of where PROJ looks for proj.db, for error messages.
pub(crate) fn search_path_description() -> String {
    let default = builder()
        .ok()
        .and_then(|b| b.lib_info().ok())
        .map(|info| info.searchpath)
        .unwrap_or_default();
    match DATA_DIR.get() {
        Some(dir) => format!("searched {default} and {}", dir.display()),
        None => format!(
            "searched {default} (or $PROJ_DATA if set); ship proj.db and call set_proj_data_dir"
        ),
    }
}
