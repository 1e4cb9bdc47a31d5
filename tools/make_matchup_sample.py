"""Write samples/glorys_matchup_prof.nc (or the path given): Argo-format profiles with known
offsets from GLORYS, for the model-observation matchups: ``python -m tools.make_matchup_sample``.

The bundled Argo float overlaps no bundled model, so this file is made from the GLORYS sample
itself, by rules simple enough for a test to check every matchup against it:

- positions: ``PROFILES`` GLORYS cells drawn with a seeded generator (``SEED``) among the cells
  wet at 4 or more of the 6 levels, at exactly the cell centres (float64 of the float32
  GLORYS coordinates); three platforms (``PLATFORMS``, made-up numbers outside the WMO range
  floats get), cycles 1, 2, 3 … each;
- times: 2021-06-29 (the GLORYS day), at minutes drawn with the same generator, except the
  last profile, two days later (2021-07-01T00:00): outside the matchups' default tolerance
  of one day, so that a matchup skips it and says why;
- levels: the GLORYS levels wet at the cell, as sea pressure ``gsw.p_from_z(-depth, lat)``;
- values, DATA_MODE D, QC '1', ``*_ADJUSTED`` equal to the raw ones:
  salinity = GLORYS ``so`` + ``SALINITY_BIAS``;
  temperature = the in-situ temperature whose potential temperature (reference 0 dbar) is
  GLORYS ``thetao`` + ``TEMPERATURE_BIAS``: ``gsw.pt_from_t(SA, thetao + bias, 0, p)`` with
  SA = ``gsw.SA_from_SP(salinity, p, lon, lat)``;
- ``BAD_TEMPERATURES`` and ``BAD_SALINITIES``: (profile, level) values made wrong on purpose
  (temperature + 3 °C, salinity - 1) and flagged '4' (bad), so a matchup with qc=good must
  leave them out and one with qc=all shows them (a bad salinity only where the temperature is
  bad too: see ``BAD_SALINITIES``).

So, at every good value, model − observation is −``TEMPERATURE_BIAS`` (potential temperature)
and −``SALINITY_BIAS``, to the float32 precision the Argo format stores. Running the script
again gives the same values (and, with the same netCDF/HDF5 libraries, the same bytes).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import gsw
import numpy as np
import pandas as pd
import xarray as xr

from api.settings import DEFAULT_CATALOG

SAMPLES = DEFAULT_CATALOG.parent
GLORYS = SAMPLES / "GLORYS_coarse_test_data.nc"
OUTPUT = SAMPLES / "glorys_matchup_prof.nc"

SEED = 20210629
PROFILES = 11
PLATFORMS = ("9990001", "9990002", "9990003")
TEMPERATURE_BIAS = 0.5
"""°C added to GLORYS potential temperature."""
SALINITY_BIAS = 0.05
"""Added to GLORYS practical salinity."""
DAY = pd.Timestamp("2021-06-29")
LATE = pd.Timestamp("2021-07-01")
"""The last profile's time: two days after the GLORYS day."""
BAD_TEMPERATURES = ((1, 1), (4, 2), (6, 3))
"""(profile, level) temperatures set 3 °C too warm and flagged 4."""
BAD_SALINITIES = ((4, 2), (6, 3))
"""(profile, level) salinities set 1 too fresh and flagged 4: at levels whose temperature is
flagged too (a spike in both), because a good temperature beside a bad salinity can only be
converted to potential temperature with an estimated salinity, which would blur the known
offset by up to about 1e-4 °C."""
MIN_WET_LEVELS = 4
FILL = 99999.0
REFERENCE = pd.Timestamp("1950-01-01")


def _chars(values: list[str], width: int) -> np.ndarray:
    return np.array([v.ljust(width)[:width].encode("ascii") for v in values], dtype=f"S{width}")


def _cells(ds: xr.Dataset, rng: np.random.Generator) -> list[tuple[int, int]]:
    """``PROFILES`` distinct (j, i) cells wet at MIN_WET_LEVELS levels or more, in draw order."""
    wet = np.isfinite(ds["thetao"].values) & np.isfinite(ds["so"].values)
    j, i = np.nonzero(wet.sum(axis=0) >= MIN_WET_LEVELS)
    picked = rng.choice(j.size, size=PROFILES, replace=False)
    return [(int(j[k]), int(i[k])) for k in picked]


def build() -> xr.Dataset:
    """The profiles as an Argo ``*_prof.nc`` dataset (module docstring)."""
    rng = np.random.default_rng(SEED)
    with xr.open_dataset(GLORYS) as glorys:
        glorys.load()
    cells = _cells(glorys, rng)
    minutes = np.sort(rng.choice(24 * 60, size=PROFILES - 1, replace=False))
    times = [DAY + pd.Timedelta(minutes=int(m)) for m in minutes] + [LATE]
    depth = glorys["depth"].values.astype(np.float64)
    n_levels = depth.size
    shape = (PROFILES, n_levels)
    pres = np.full(shape, FILL)
    temp = np.full(shape, FILL)
    psal = np.full(shape, FILL)
    temp_qc = np.full(shape, b" ", dtype="S1")
    psal_qc = np.full(shape, b" ", dtype="S1")
    lons, lats = [], []
    for n, (j, i) in enumerate(cells):
        lon = float(glorys["longitude"].values[i])
        lat = float(glorys["latitude"].values[j])
        lons.append(lon)
        lats.append(lat)
        theta = glorys["thetao"].values[:, j, i].astype(np.float64)
        so = glorys["so"].values[:, j, i].astype(np.float64)
        wet = np.isfinite(theta) & np.isfinite(so)
        k = int(wet.sum())  # wet levels are the shallowest ones
        p = gsw.p_from_z(-depth[:k], lat)
        salinity = so[:k] + SALINITY_BIAS
        sa = gsw.SA_from_SP(salinity, p, lon, lat)
        pres[n, :k] = p
        psal[n, :k] = salinity
        temp[n, :k] = gsw.pt_from_t(sa, theta[:k] + TEMPERATURE_BIAS, 0.0, p)
        temp_qc[n, :k] = b"1"
        psal_qc[n, :k] = b"1"
    for n, k in BAD_TEMPERATURES:
        temp[n, k] += 3.0
        temp_qc[n, k] = b"4"
    for n, k in BAD_SALINITIES:
        psal[n, k] -= 1.0
        psal_qc[n, k] = b"4"
    pres_qc = np.where(pres < FILL, b"1", b" ").astype("S1")
    return _argo_dataset(cells, times, lons, lats, pres, temp, psal, pres_qc, temp_qc, psal_qc)


def _argo_dataset(
    cells: list[tuple[int, int]],
    times: list[pd.Timestamp],
    lons: list[float],
    lats: list[float],
    pres: np.ndarray,
    temp: np.ndarray,
    psal: np.ndarray,
    pres_qc: np.ndarray,
    temp_qc: np.ndarray,
    psal_qc: np.ndarray,
) -> xr.Dataset:
    """The Argo profile-file variables (Argo user's manual 3.1, §2.2), float32 as the format
    has them, with the fill values and attributes of a GDAC file."""
    n = len(cells)
    prof, lev = "N_PROF", "N_LEVELS"
    platform = [PLATFORMS[k % len(PLATFORMS)] for k in range(n)]
    cycle = [sum(1 for p in platform[: k + 1] if p == platform[k]) for k in range(n)]
    juld = np.array([(t - REFERENCE) / pd.Timedelta(days=1) for t in times])
    flag = {"long_name": "quality flag", "conventions": "Argo reference table 2"}
    pres_attrs = {
        "long_name": "Sea water pressure, equals 0 at sea-level",
        "standard_name": "sea_water_pressure",
        "units": "decibar",
        "axis": "Z",
    }
    temp_attrs = {
        "long_name": "Sea temperature in-situ ITS-90 scale",
        "standard_name": "sea_water_temperature",
        "units": "degree_Celsius",
    }
    psal_attrs = {
        "long_name": "Practical salinity",
        "standard_name": "sea_water_salinity",
        "units": "psu",
    }
    variables: dict[str, Any] = {
        "DATA_TYPE": ((), np.bytes_(b"Argo profile    ")),
        "FORMAT_VERSION": ((), np.bytes_(b"3.1 ")),
        "HANDBOOK_VERSION": ((), np.bytes_(b"1.2 ")),
        "REFERENCE_DATE_TIME": ((), np.bytes_(b"19500101000000")),
        "DATE_CREATION": ((), np.bytes_(b"20210629000000")),
        "DATE_UPDATE": ((), np.bytes_(b"20210629000000")),
        "PLATFORM_NUMBER": ((prof,), _chars(platform, 8)),
        "PROJECT_NAME": ((prof,), _chars(["Ocean Data API synthetic matchup sample"] * n, 64)),
        "PI_NAME": ((prof,), _chars(["none (made from GLORYS12V1)"] * n, 64)),
        "CYCLE_NUMBER": ((prof,), np.array(cycle, dtype=np.int32)),
        "DIRECTION": ((prof,), _chars(["A"] * n, 1)),
        "DATA_CENTRE": ((prof,), _chars(["XX"] * n, 2)),
        "DATA_MODE": ((prof,), _chars(["D"] * n, 1)),
        "JULD": ((prof,), juld),
        "JULD_QC": ((prof,), _chars(["1"] * n, 1)),
        "JULD_LOCATION": ((prof,), juld),
        "LATITUDE": ((prof,), np.array(lats, dtype=np.float64)),
        "LONGITUDE": ((prof,), np.array(lons, dtype=np.float64)),
        "POSITION_QC": ((prof,), _chars(["1"] * n, 1)),
        "POSITIONING_SYSTEM": ((prof,), _chars(["GPS"] * n, 8)),
    }
    for name, values, qc, attrs in (
        ("PRES", pres, pres_qc, pres_attrs),
        ("TEMP", temp, temp_qc, temp_attrs),
        ("PSAL", psal, psal_qc, psal_attrs),
    ):
        data = values.astype(np.float32)
        good = np.all(np.isin(qc, [b"1", b" "]), axis=1)
        variables[f"PROFILE_{name}_QC"] = ((prof,), _chars(["A" if g else "B" for g in good], 1))
        for stem in (name, f"{name}_ADJUSTED"):
            variables[stem] = ((prof, lev), data, attrs)
            variables[f"{stem}_QC"] = ((prof, lev), qc, flag)
        error = np.where(data < FILL, np.float32(0.0), np.float32(FILL)).astype(np.float32)
        variables[f"{name}_ADJUSTED_ERROR"] = ((prof, lev), error, {"units": attrs["units"]})
    ds = xr.Dataset(variables)
    ds["JULD"].attrs = {
        "long_name": "Julian day (UTC) of the station relative to REFERENCE_DATE_TIME",
        "standard_name": "time",
        "units": "days since 1950-01-01 00:00:00 UTC",
        "axis": "T",
    }
    ds["LATITUDE"].attrs = {"standard_name": "latitude", "units": "degree_north", "axis": "Y"}
    ds["LONGITUDE"].attrs = {"standard_name": "longitude", "units": "degree_east", "axis": "X"}
    ds.attrs = {
        "title": "Argo float vertical profile (synthetic: GLORYS12V1 with known offsets)",
        "institution": "Ocean Data API (generated by tools/make_matchup_sample.py)",
        "source": "GLORYS_coarse_test_data.nc (Copernicus Marine GLORYS12V1), 2021-06-29",
        "comment": f"Not observations. Salinity = GLORYS so + {SALINITY_BIAS}; temperature = "
        f"in-situ temperature whose potential temperature is GLORYS thetao + "
        f"{TEMPERATURE_BIAS} degC; a few values flagged 4 are wrong on purpose. See "
        "samples/README.md.",
        "acknowledgement": "Generated using E.U. Copernicus Marine Service Information; "
        "GLOBAL_MULTIYEAR_PHY_001_030 (GLORYS12V1)",
        "user_manual_version": "3.1",
        "Conventions": "Argo-3.1 CF-1.6",
        "featureType": "trajectoryProfile",
    }
    return ds


def _encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    encoding: dict[str, dict[str, Any]] = {}
    for name, da in ds.variables.items():
        if da.dtype.kind == "S":
            width = da.dtype.itemsize
            encoding[str(name)] = {"char_dim_name": f"STRING{width}", "_FillValue": b" "}
        elif da.dtype.kind == "f":
            fill = 999999.0 if name in ("JULD", "JULD_LOCATION") else FILL
            encoding[str(name)] = {"_FillValue": da.dtype.type(fill)}
        elif da.dtype.kind == "i":
            encoding[str(name)] = {"_FillValue": np.int32(99999)}
    return encoding


def main(argv: list[str]) -> None:
    """Write the file (the first argument, or samples/glorys_matchup_prof.nc)."""
    output = Path(argv[0]) if argv else OUTPUT
    ds = build()
    ds.to_netcdf(output, format="NETCDF4", encoding=_encoding(ds))
    print(f"wrote {output} ({output.stat().st_size:,} bytes, {ds.sizes['N_PROF']} profiles)")


if __name__ == "__main__":
    main(sys.argv[1:])
