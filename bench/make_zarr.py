"""Write a large synthetic but realistic 4-D ocean temperature dataset as Zarr, for benchmarks.

A global 1/12 degree grid (4320 x 2160), 50 depth levels from 0.5 m to 5,500 m (NEMO-like
spacing) and ``--times`` daily steps; float32 ``thetao`` in degC: each day's ERSST v5 sea surface
temperature from the bundled sample, interpolated to 1/12 degree, decaying with depth towards
2 degC below the thermocline, with mesoscale-like wiggles; land (ERSST's missing cells, nearest)
is NaN at every level. Chunks of 1 time x 10 levels x 270 x 270 cells (2.9 MB), Zarr v2 with
consolidated metadata, plus a catalog file beside the store that serves it as
``synthetic-global``: 8 steps are 14.9 GB of float32 (about 5 GB compressed on disk). Not
committed; the bench reads it.

    .venv/bin/python -m bench.make_zarr [--out /tmp/oceanapi-big] [--times 8]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import dask.array
import numpy as np
import pandas as pd
import xarray as xr
import yaml

from bench.metadata import ROOT

NX, NY, NZ = 4320, 2160, 50
CHUNKS = {"time": 1, "depth": 10, "latitude": 270, "longitude": 270}


def depth_levels() -> np.ndarray:
    """50 levels, fine near the surface: 0.5 m ... 5,500 m."""
    k = np.arange(NZ)
    return np.round(0.5 + 5499.5 * (np.expm1(k / (NZ - 1) * 4.0) / np.expm1(4.0)), 2)


def template(times: int) -> xr.Dataset:
    lon = np.round(-180 + (np.arange(NX) + 0.5) / 12, 5)
    lat = np.round(-90 + (np.arange(NY) + 0.5) / 12, 5)
    shape = (times, NZ, NY, NX)
    empty = dask.array.full(shape, np.nan, dtype="float32", chunks=tuple(CHUNKS.values()))
    ds = xr.Dataset(
        {"thetao": (("time", "depth", "latitude", "longitude"), empty)},
        coords={
            "time": pd.date_range("2019-06-01", periods=times, freq="D"),
            "depth": ("depth", depth_levels()),
            "latitude": ("latitude", lat),
            "longitude": ("longitude", lon),
        },
    )
    ds.thetao.attrs = {
        "standard_name": "sea_water_potential_temperature",
        "long_name": "Potential temperature (synthetic)",
        "units": "degC",
    }
    ds.depth.attrs = {"standard_name": "depth", "units": "m", "positive": "down", "axis": "Z"}
    ds.latitude.attrs = {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}
    ds.longitude.attrs = {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}
    ds.attrs = {"title": "Synthetic global 1/12 degree temperature (from ERSST v5)"}
    return ds


def surface(ersst: xr.Dataset, day: int, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """ERSST for the day's month at 1/12 degree (NaN on land), with small-scale wiggles."""
    month = ersst.sst.isel(time=90 + day // 30)
    month = month.assign_coords(lon=((month.lon + 180) % 360) - 180).sortby("lon")
    smooth = month.interp(lat=lat, lon=lon, method="linear").values
    nearest = month.interp(lat=lat, lon=lon, method="nearest").values
    filled = np.where(np.isnan(smooth), nearest, smooth)
    wiggle = (
        0.6 * np.sin(np.radians(lon)[None, :] * 40 + day) * np.cos(np.radians(lat)[:, None] * 30)
    )
    sst = (filled + wiggle).astype("float32")
    sst[np.isnan(nearest)] = np.nan  # land
    return sst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/oceanapi-big"))
    parser.add_argument("--times", type=int, default=8)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / "global.zarr"
    ds = template(args.times)
    began = time.perf_counter()
    ds.to_zarr(store, mode="w", compute=False, zarr_format=2, consolidated=True)
    ersst = xr.open_dataset(ROOT / "samples" / "sst.mnmean.nc")
    lat, lon = ds.latitude.values, ds.longitude.values
    depths = ds.depth.values
    profile = np.exp(-depths / 400.0).astype("float32")  # thermocline e-folding 400 m
    for t in range(args.times):
        sst = surface(ersst, t, lat, lon)
        for k0 in range(0, NZ, CHUNKS["depth"]):
            k1 = k0 + CHUNKS["depth"]
            block = 2.0 + (sst[None] - 2.0) * profile[k0:k1, None, None]
            region = {"time": slice(t, t + 1), "depth": slice(k0, k1)}
            part = xr.Dataset({"thetao": (("time", "depth", "latitude", "longitude"), block[None])})
            part.to_zarr(store, region=region, zarr_format=2)
        print(f"  time step {t + 1}/{args.times} written ({time.perf_counter() - began:.0f} s)")
    raw = args.times * NZ * NY * NX * 4
    on_disk = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
    print(f"{store}: {raw / 1e9:.1f} GB of float32, {on_disk / 1e9:.1f} GB on disk")
    catalog = {
        "datasets": [
            {
                "id": "synthetic-global",
                "title": "Synthetic global 1/12 degree temperature, 50 levels (benchmark)",
                "summary": "ERSST v5 interpolated to 1/12 degree and extended to 5,500 m.",
                "attribution": "Synthetic, derived from NOAA ERSST v5",
                "licence": "Benchmark data, not for use",
                "source": {"zarr": "global.zarr"},
            }
        ]
    }
    (args.out / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    print(f"catalog: {args.out / 'catalog.yaml'}")


if __name__ == "__main__":
    main()
