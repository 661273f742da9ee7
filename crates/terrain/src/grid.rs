//! A row-major grid of cells with its georeference.
//!
//! DEM grids are `Grid<f32>` with nodata stored as NaN: readers turn the
//! file's nodata value into NaN, writers turn NaN back into a nodata value.

/// Where a grid lies: a GDAL geotransform (no rotation) and the CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct Georef {
    /// Easting of the top-left corner of the top-left cell, metres.
    pub origin_x: f64,
    /// Northing of the top-left corner of the top-left cell, metres.
    pub origin_y: f64,
    /// Cell width in metres (positive).
    pub cell_w: f64,
    /// Cell height in metres (positive; rows run southwards).
    pub cell_h: f64,
    /// EPSG code of the horizontal CRS, when known (25832 after reading a DEM).
    pub epsg: Option<u32>,
    /// The CRS as WKT, as read from the file (written back unchanged).
    pub wkt: Option<String>,
}

impl Georef {
    /// A georeference in EPSG:25832 with the given corner and cell size.
    pub fn utm32(origin_x: f64, origin_y: f64, cell_w: f64, cell_h: f64) -> Georef {
        Georef {
            origin_x,
            origin_y,
            cell_w,
            cell_h,
            epsg: Some(25832),
            wkt: None,
        }
    }

    /// Area of one cell in m².
    pub fn cell_area(&self) -> f64 {
        self.cell_w * self.cell_h
    }

    /// Centre of cell (row, col) in CRS units (metres in EPSG:25832).
    pub fn cell_centre(&self, row: usize, col: usize) -> (f64, f64) {
        (
            self.origin_x + (col as f64 + 0.5) * self.cell_w,
            self.origin_y - (row as f64 + 0.5) * self.cell_h,
        )
    }

    /// Top-left corner of cell (row, col): vertex (row, col) of the cell lattice.
    pub fn corner(&self, row: usize, col: usize) -> (f64, f64) {
        (
            self.origin_x + col as f64 * self.cell_w,
            self.origin_y - row as f64 * self.cell_h,
        )
    }

    /// The GDAL geotransform.
    pub fn geotransform(&self) -> [f64; 6] {
        [
            self.origin_x,
            self.cell_w,
            0.0,
            self.origin_y,
            0.0,
            -self.cell_h,
        ]
    }
}

/// Cells of one type in row-major order (row 0 is the northern edge).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid<T> {
    width: usize,
    height: usize,
    data: Vec<T>,
}

impl<T: Copy> Grid<T> {
    /// A grid of `width` × `height` cells, all `value`.
    pub fn filled(width: usize, height: usize, value: T) -> Grid<T> {
        Grid {
            width,
            height,
            data: vec![value; width * height],
        }
    }

    /// A grid from row-major cells; `None` when the length is not `width * height`.
    pub fn from_vec(width: usize, height: usize, data: Vec<T>) -> Option<Grid<T>> {
        (data.len() == width * height).then_some(Grid {
            width,
            height,
            data,
        })
    }

    /// Columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the grid has no cells.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The cell at (row, col).
    pub fn get(&self, row: usize, col: usize) -> T {
        self.data[row * self.width + col]
    }

    /// Sets the cell at (row, col).
    pub fn set(&mut self, row: usize, col: usize, value: T) {
        self.data[row * self.width + col] = value;
    }

    /// All cells, row-major.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// All cells, row-major, mutable.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// The cells, row-major.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// A grid of the same size with `f` applied to every cell.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Grid<U> {
        Grid {
            width: self.width,
            height: self.height,
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }

    /// Whether `other` has the same number of rows and columns.
    pub fn same_shape<U>(&self, other: &Grid<U>) -> bool {
        self.width == other.width && self.height == other.height
    }
}

/// Row/column offsets of the 8 neighbours in malstroem's (AGNPS) order:
/// up, up-right, right, down-right, down, down-left, left, up-left.
/// The index is the D8 flow-direction code; 8 means "no direction".
pub const D8: [(isize, isize); 8] = [
    (-1, 0),
    (-1, 1),
    (0, 1),
    (1, 1),
    (1, 0),
    (1, -1),
    (0, -1),
    (-1, -1),
];

/// The neighbour of cell `i` (row-major index) in direction `d`, if inside.
#[inline]
pub fn neighbour(i: usize, d: usize, width: usize, height: usize) -> Option<usize> {
    let (dr, dc) = D8[d];
    let r = (i / width) as isize + dr;
    let c = (i % width) as isize + dc;
    if r < 0 || c < 0 || r >= height as isize || c >= width as isize {
        None
    } else {
        Some(r as usize * width + c as usize)
    }
}
