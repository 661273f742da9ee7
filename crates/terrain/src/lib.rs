//! Terrain and water: DEM grids, depression filling, bluespots, flood scenarios.
