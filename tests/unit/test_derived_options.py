"""The catalog's `derived` options: off, roles named where standard names are missing, a
subset, units converted, in-situ temperature, and mistakes reported."""

from __future__ import annotations

from typing import Any

import gsw
import numpy as np
import pytest
import xarray as xr

from catalog.dataset import CatalogMismatch, OpenDataset
from catalog.derived import DERIVED
from schemas.catalog import DatasetEntry
from tests.conftest import SAMPLES


@pytest.fixture
def glorys() -> xr.Dataset:
    return xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")


def entry(**extra: Any) -> DatasetEntry:
    return DatasetEntry.model_validate(
        {
            "id": "g",
            "title": "t",
            "summary": "s",
            "attribution": "a",
            "licence": "l",
            "source": {"path": "x.nc"},
            **extra,
        }
    )


def derived_ids(opened: OpenDataset) -> list[str]:
    return [name for name, v in opened.variables.items() if v.derived]


def value(opened: OpenDataset, name: str, k: int = 2, j: int = 20, i: int = 15) -> float:
    return float(opened.array(opened.variables[name]).isel(depth=k, latitude=j, longitude=i))


def test_found_by_standard_name_by_default(glorys: xr.Dataset) -> None:
    assert derived_ids(OpenDataset.build(entry(), glorys)) == list(DERIVED)


@pytest.mark.parametrize("off", [False, {"enabled": False}])
def test_switched_off(glorys: xr.Dataset, off: Any) -> None:
    assert derived_ids(OpenDataset.build(entry(derived=off), glorys)) == []


def test_a_subset(glorys: xr.Dataset) -> None:
    opened = OpenDataset.build(entry(derived={"variables": ["sigma0", "sound_speed"]}), glorys)
    assert derived_ids(opened) == ["sigma0", "sound_speed"]


def test_roles_named_where_standard_names_are_missing(glorys: xr.Dataset) -> None:
    bare = glorys.copy()
    for name in ("thetao", "so"):
        bare[name].attrs.pop("standard_name")
    assert derived_ids(OpenDataset.build(entry(), bare)) == []
    options = {
        "temperature": "thetao",
        "temperature_kind": "potential",
        "salinity": "so",
        "salinity_kind": "practical",
    }
    named = OpenDataset.build(entry(derived=options), bare)
    plain = OpenDataset.build(entry(), glorys)
    assert value(named, "sigma0") == value(plain, "sigma0")


def test_a_temperature_in_kelvin_is_converted(glorys: xr.Dataset) -> None:
    kelvin = glorys.copy()
    kelvin["thetao"] = (glorys.thetao + 273.15).assign_attrs(glorys.thetao.attrs, units="K")
    assert value(OpenDataset.build(entry(), kelvin), "sigma0") == pytest.approx(
        value(OpenDataset.build(entry(), glorys), "sigma0"), abs=1e-5
    )


def test_in_situ_temperature_takes_ct_from_t(glorys: xr.Dataset) -> None:
    insitu = glorys.copy()
    insitu["thetao"].attrs["standard_name"] = "sea_water_temperature"
    opened = OpenDataset.build(entry(), insitu)
    k, j, i = 4, 20, 15
    lat, lon = float(glorys.latitude[j]), float(glorys.longitude[i])
    p = gsw.p_from_z(-float(glorys.depth[k]), lat)
    sa = gsw.SA_from_SP(float(glorys.so[k, j, i]), p, lon, lat)
    expected = gsw.CT_from_t(sa, float(glorys.thetao[k, j, i]), p)
    assert value(opened, "conservative_temperature", k) == pytest.approx(expected, rel=1e-12)
    as_potential = gsw.CT_from_pt(sa, float(glorys.thetao[k, j, i]))
    assert abs(expected - as_potential) > 0.05  # at 1410 m the two readings differ


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"temperature": "nope"}, "no variable 'nope'"),
        ({"temperature": "uo"}, "say what 'uo' is"),
        ({"temperature": "zos", "temperature_kind": "potential"}, "need depth levels"),
        ({"temperature": "uo", "temperature_kind": "potential"}, "does not convert to degC"),
    ],
)
def test_mistakes_in_the_options_are_reported(
    glorys: xr.Dataset, options: dict[str, str], words: str
) -> None:
    with pytest.raises(CatalogMismatch, match=words):
        OpenDataset.build(entry(derived=options), glorys)


def test_catalog_presentation_of_a_derived_variable(glorys: xr.Dataset) -> None:
    opened = OpenDataset.build(
        entry(variables={"sigma0": {"colormap": "haline", "scale": [24, 28]}}), glorys
    )
    info = opened.variables["sigma0"]
    assert info.override.colormap == "haline"
    assert info.override.scale == (24, 28)
    assert opened.variables["density"].override.colormap == "dense"


def test_whole_field_equals_gsw_everywhere(glorys: xr.Dataset) -> None:
    """Every cell of the σ0 field, read at once, equals gsw on the broadcast inputs."""
    opened = OpenDataset.build(entry(), glorys)
    field = opened.array(opened.variables["sigma0"]).values
    depth, lat, lon = xr.broadcast(glorys.depth, glorys.latitude, glorys.longitude)
    p = gsw.p_from_z(-depth.values.astype(float), lat.values)
    sa = gsw.SA_from_SP(glorys.so.values.astype(float), p, lon.values, lat.values)
    expected = gsw.sigma0(sa, gsw.CT_from_pt(sa, glorys.thetao.values.astype(float)))
    np.testing.assert_allclose(field, expected, rtol=1e-12)
    assert np.isfinite(field).sum() > 1000
