"""Write ``samples/5900865_dsg.nc``: the bundled Argo float rewritten as a CF discrete sampling
geometry (``featureType: trajectoryProfile``, contiguous ragged array).

Only values of ``samples/5900865_prof.nc`` are written, by fixed rules, so the API must answer
the same levels for a profile of either file:

- one trajectory (the float, ``trajectory`` = its WMO number, ``cf_role: trajectory_id``);
- one profile per ``N_PROF`` row, in file order: ``profile`` = ``<platform>_<cycle:03d>`` (with
  ``D`` for a descent, as the Argo index names them; ``cf_role: profile_id``), ``time`` = JULD,
  ``lat``/``lon`` = LATITUDE/LONGITUDE, with JULD_QC and POSITION_QC as ``time_qc`` and
  ``position_qc``; ``row_size`` (the count variable) = its levels with a raw PRES;
- per level (``obs``, profiles one after the other): pressure, temperature and practical
  salinity as the profile's DATA_MODE says (``*_ADJUSTED`` for A and D, raw for R), float32 as
  in the Argo file, and their flags (Argo reference table 2) as ``int8`` flag variables named
  by ``ancillary_variables``, with ``flag_values`` 0 to 9 and Argo's flag meanings.

Run ``python -m tools.make_dsg_sample`` from the repository root (an optional argument writes
elsewhere); ``tests/unit/test_dsg.py`` checks the result against the Argo file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import xarray as xr

from catalog.observations import argo

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SOURCE = SAMPLES / "5900865_prof.nc"
TARGET = SAMPLES / "5900865_dsg.nc"

FLAG_VALUES = np.arange(10, dtype=np.int8)
FLAG_MEANINGS = (
    "no_qc_performed good_data probably_good_data bad_data_that_are_potentially_correctable "
    "bad_data value_changed not_used not_used estimated_value missing_value"
)


def _text_flags(values: np.ndarray) -> np.ndarray:
    """Argo's one-character flags as xarray reads them (bytes, NaN for a fill) as ``<U1``."""
    flat = [
        v.decode("ascii") if isinstance(v, bytes) and v.strip() else " " for v in values.ravel()
    ]
    return np.array(flat, dtype="<U1").reshape(values.shape)


def _flag_attrs(of: str) -> dict[str, object]:
    return {
        "long_name": f"quality flag of {of}",
        "conventions": "Argo reference table 2",
        "flag_values": FLAG_VALUES,
        "flag_meanings": FLAG_MEANINGS,
    }


def _flags(text: np.ndarray) -> np.ndarray:
    """One-character Argo flags as int8 (-1, the fill, where blank)."""
    return np.array([int(f) if f.strip() else -1 for f in text.ravel()], dtype=np.int8).reshape(
        text.shape
    )


def build(source: Path = SOURCE) -> xr.Dataset:
    """The DSG dataset of the Argo file's values (see the module docstring)."""
    table = argo.index_profiles(source)
    with xr.open_dataset(source) as ds:
        raw_pres = ds["PRES"].values
        keep = np.isfinite(raw_pres)
        mode = table["data_mode"].to_numpy()
        adjusted = np.isin(mode, ["A", "D"])[:, None]
        columns: dict[str, np.ndarray] = {}
        for name in ("PRES", "TEMP", "PSAL"):
            values = np.where(adjusted, ds[f"{name}_ADJUSTED"].values, ds[name].values)
            flags = np.where(
                adjusted,
                _text_flags(ds[f"{name}_ADJUSTED_QC"].values),
                _text_flags(ds[f"{name}_QC"].values),
            )
            columns[name] = values[keep].astype(np.float32)
            columns[f"{name}_QC"] = _flags(flags[keep])
        juld = ds["JULD"].values
        lat = ds["LATITUDE"].values
        lon = ds["LONGITUDE"].values
        time_qc = _flags(_text_flags(ds["JULD_QC"].values))
        position_qc = _flags(_text_flags(ds["POSITION_QC"].values))
        platform = str(table["platform"].iloc[0])
    # The index sorts nothing: its rows are the file's, so its ids are in N_PROF order.
    ids = table.sort_values("row")["profile_id"].to_numpy().astype(str)
    profiles = len(ids)
    flag = {"_FillValue": np.int8(-1), "dtype": "int8"}
    out = xr.Dataset(
        {
            "trajectory": (
                ("trajectory",),
                np.array([platform], dtype=object),
                {"cf_role": "trajectory_id", "long_name": "Argo float WMO number"},
            ),
            "profile": (
                ("profile",),
                ids.astype(object),
                {"cf_role": "profile_id", "long_name": "Argo profile: platform_cycle"},
            ),
            "trajectory_index": (
                ("profile",),
                np.zeros(profiles, dtype=np.int32),
                {"instance_dimension": "trajectory", "long_name": "the profile's trajectory"},
            ),
            "row_size": (
                ("profile",),
                keep.sum(axis=1).astype(np.int32),
                {"sample_dimension": "obs", "long_name": "levels of each profile"},
            ),
            "time": (
                ("profile",),
                juld,
                {"standard_name": "time", "axis": "T", "ancillary_variables": "time_qc"},
            ),
            "lat": (
                ("profile",),
                lat,
                {
                    "standard_name": "latitude",
                    "units": "degrees_north",
                    "axis": "Y",
                    "ancillary_variables": "position_qc",
                },
            ),
            "lon": (
                ("profile",),
                lon,
                {
                    "standard_name": "longitude",
                    "units": "degrees_east",
                    "axis": "X",
                    "ancillary_variables": "position_qc",
                },
            ),
            "time_qc": (("profile",), time_qc, _flag_attrs("time")),
            "position_qc": (("profile",), position_qc, _flag_attrs("position")),
            "pressure": (
                ("obs",),
                columns["PRES"],
                {
                    "standard_name": "sea_water_pressure",
                    "units": "dbar",
                    "positive": "down",
                    "axis": "Z",
                    "ancillary_variables": "pressure_qc",
                },
            ),
            "temperature": (
                ("obs",),
                columns["TEMP"],
                {
                    "standard_name": "sea_water_temperature",
                    "long_name": "in-situ temperature (ITS-90)",
                    "units": "degree_Celsius",
                    "ancillary_variables": "temperature_qc",
                },
            ),
            "salinity": (
                ("obs",),
                columns["PSAL"],
                {
                    "standard_name": "sea_water_practical_salinity",
                    "units": "1",
                    "ancillary_variables": "salinity_qc",
                },
            ),
            "pressure_qc": (("obs",), columns["PRES_QC"], _flag_attrs("pressure")),
            "temperature_qc": (("obs",), columns["TEMP_QC"], _flag_attrs("temperature")),
            "salinity_qc": (("obs",), columns["PSAL_QC"], _flag_attrs("salinity")),
        },
        attrs={
            "Conventions": "CF-1.11",
            "featureType": "trajectoryProfile",
            "title": "Argo float 5900865 as a CF discrete sampling geometry",
            "platform": platform,
            "source": "samples/5900865_prof.nc (Argo GDAC, CSIRO), rewritten by "
            "tools/make_dsg_sample.py: values unchanged, adjusted where DATA_MODE is A or D",
        },
    )
    out["time"].encoding = {"units": "days since 1950-01-01 00:00:00", "dtype": "float64"}
    for name in ("time_qc", "position_qc", "pressure_qc", "temperature_qc", "salinity_qc"):
        out[name].encoding = dict(flag)
    for name in ("pressure", "temperature", "salinity"):
        out[name].encoding = {"_FillValue": np.float32(99999.0), "zlib": True, "complevel": 4}
    return out


def main(argv: list[str]) -> None:
    target = Path(argv[0]) if argv else TARGET
    build().to_netcdf(target, format="NETCDF4")
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
