"""richdem's FillDepressions (PyPI richdem2) on a GeoTIFF, timed alone;
optionally compares the result with another filled GeoTIFF (ours).
Rasters are read with rasterio (richdem's LoadGDAL needs GDAL's Python
bindings, absent here). One JSON line out."""
import json
import sys
import time

import numpy as np
import rasterio
import richdem as rd

path = sys.argv[1]
t0 = time.perf_counter()
with rasterio.open(path) as src:
    arr = src.read(1).astype(np.float32)
    nodata = src.nodata if src.nodata is not None else -9999.0
dem = rd.rdarray(arr, no_data=np.float32(nodata))
del arr
read_s = time.perf_counter() - t0
t1 = time.perf_counter()
rd.FillDepressions(dem, epsilon=False, in_place=True, topology="D8")
algo_s = time.perf_counter() - t1
out = {"tool": "richdem", "what": "fill", "cells": int(dem.size), "read_s": round(read_s, 3),
       "algo_s": round(algo_s, 3), "cells_per_s": round(dem.size / algo_s)}
if len(sys.argv) > 2:
    with rasterio.open(sys.argv[2]) as src:
        ours = src.read(1).astype(np.float64)
    theirs = np.asarray(dem, dtype=np.float64)
    valid = (theirs != float(np.float32(nodata))) & (ours != -9999.0)
    out["max_abs_diff_vs_forsyning"] = float(np.max(np.abs(ours[valid] - theirs[valid]))) if valid.any() else 0.0
    out["valid_cells_compared"] = int(valid.sum())
print(json.dumps(out))
