"""Labels on rendered plots: units as symbols, times at the data's cadence, depths to what the
levels resolve; GIOPS drawn in °C by default (the catalog's display_units), its data in K."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.quiver import QuiverKey
from matplotlib.text import Text

from catalog import query
from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.types import PLOT_TYPES
from tests.conftest import SAMPLES, sample_entries, write_catalog

D = "/api/v1/datasets"
GIOPS_PLACES: dict[str, dict[str, Any]] = {
    "map": {},
    "transect": {"path": "-160,5;-140,15"},
    "profile": {"lon": [-150.0], "lat": [10.0]},
    "timeseries": {"lon": -150.0, "lat": 10.0},
    "hovmoller": {"path": "-160,5;-140,15"},
    "colorbar": {},
}


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    yield Catalog(Path(SAMPLES / "catalog.yaml"))


def render(catalog: Catalog, dataset: str, plot_type: str, **params: Any) -> Figure:
    kind = PLOT_TYPES[plot_type]
    with catalog.reading(dataset) as opened:
        return kind.render(RenderContext(opened, 2_000_000), kind.params(**params))


def texts(fig: Figure) -> list[str]:
    """Every non-empty text of the figure: titles, axis and colour bar labels, legends, keys."""
    found = fig.findobj(lambda a: isinstance(a, Text))
    keys = fig.findobj(lambda a: isinstance(a, QuiverKey))
    found += [key.text for key in keys if isinstance(key, QuiverKey)]
    return [t.get_text() for t in found if isinstance(t, Text) and t.get_text()]


def subtitle(fig: Figure) -> str:
    """The last line of the main axes' title: what was drawn (time, depth, ...)."""
    return fig.axes[0].get_title().splitlines()[-1]


def colour_bar(fig: Figure, text: str) -> Axes:
    """The colour bar axes labelled ``text``."""
    for ax in fig.axes:
        if text in (ax.get_ylabel(), ax.get_xlabel()):
            return ax
    raise AssertionError(f"no colour bar labelled {text!r} in {texts(fig)}")


def colour_limits(cax: Axes) -> tuple[float, float]:
    """(min, max) of a colour bar: the limits along its long side."""
    low, high = cax.get_ylim() if cax.get_ylabel() else cax.get_xlim()
    return float(low), float(high)


def drawn_values(fig: Figure) -> np.ndarray:
    """The values the plot drew: a colour field's, else its lines' value coordinates."""
    ax = fig.axes[0]
    fields = [m.get_array() for m in [*ax.images, *ax.collections] if m.get_array() is not None]
    if fields:
        return np.ma.concatenate([np.ma.ravel(f) for f in fields]).compressed()
    # a profile draws values across (depth down the side), a time series up the side
    profile = ax.yaxis_inverted()
    data = [line.get_xdata() if profile else line.get_ydata() for line in ax.get_lines()]
    return np.concatenate([np.asarray(d, dtype=np.float64) for d in data])


@pytest.fixture(scope="module")
def giops_raw() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "nemo_test.nc") as ds:
        yield ds


@pytest.mark.parametrize("plot_type", list(GIOPS_PLACES))
def test_every_giops_plot_is_in_celsius_by_default(catalog: Catalog, plot_type: str) -> None:
    fig = render(catalog, "giops", plot_type, **GIOPS_PLACES[plot_type])
    label = "Water temperature (°C)"
    assert label in texts(fig)
    assert not any("(K)" in t for t in texts(fig))
    if plot_type in {"map", "transect", "hovmoller", "colorbar"}:
        low, high = colour_limits(colour_bar(fig, label))
    else:
        values = drawn_values(fig)
        assert np.isfinite(values).sum() > 1
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
    assert -5 < low < high < 40


def test_giops_map_draws_the_file_values_in_celsius(
    catalog: Catalog, giops_raw: xr.Dataset
) -> None:
    fig = render(catalog, "giops", "map")
    with catalog.reading("giops") as opened:  # the same cells as a data answer: in K
        assert opened.bbox is not None
        answer = query.area(
            opened, ["votemper"], opened.bbox, max_cells=800 * 600 // 2, max_values=2_000_000
        )
    kelvin = answer.data["votemper"]
    assert kelvin.attrs["units"] == "K"
    surface = giops_raw.votemper.isel(time_counter=-1, deptht=0).values  # the latest step
    assert np.isin(kelvin.values[np.isfinite(kelvin.values)], surface).all()
    drawn = np.ma.masked_invalid(fig.axes[0].collections[0].get_array())
    assert drawn.count() > 7000
    np.testing.assert_allclose(drawn.filled(np.nan), kelvin.values - 273.15, rtol=0, atol=1e-4)
    low, high = colour_limits(colour_bar(fig, "Water temperature (°C)"))
    assert -5 < low < high < 40
    # monthly means stamped mid-month: the month; the first level, 0.494 m, to what it resolves
    last = pd.Timestamp(giops_raw.time_counter.values[-1])
    level = float(giops_raw.deptht.values[0])
    assert subtitle(fig) == f"{last:%Y-%m} · depth {level:.1f} m" == "2014-06 · depth 0.5 m"


def test_units_asked_win_over_display_units(catalog: Catalog, giops_raw: xr.Dataset) -> None:
    fig = render(catalog, "giops", "map", units="K")
    low, high = colour_limits(colour_bar(fig, "Water temperature (K)"))
    surface = giops_raw.votemper.isel(time_counter=-1, deptht=0).values
    assert np.nanmin(surface) - 1e-3 <= low < high <= np.nanmax(surface) + 1e-3
    assert low > 250  # kelvin, as asked


def test_catalog_scale_is_converted_to_the_display_units(tmp_path: Path) -> None:
    entries = sample_entries()
    giops = next(e for e in entries if e["id"] == "giops")
    giops["source"] = {"path": str(SAMPLES / "nemo_test.nc")}
    giops["variables"]["votemper"]["scale"] = [270, 305]  # K, as the file
    scratch = Catalog(write_catalog(tmp_path, [giops]))
    for plot_type in ("map", "colorbar"):
        fig = render(scratch, "giops", plot_type, **GIOPS_PLACES[plot_type])
        low, high = colour_limits(colour_bar(fig, "Water temperature (°C)"))
        assert (low, high) == pytest.approx((270 - 273.15, 305 - 273.15))


def test_ersst_map_says_the_month(catalog: Catalog) -> None:
    fig = render(catalog, "ersst-v5", "map")
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        last = pd.Timestamp(ds.time.values[-1])
    assert subtitle(fig) == f"{last:%Y-%m}" == "2020-08"
    assert "Sea surface temperature (°C)" in texts(fig)


def test_wcofs_map_says_the_minute_and_m_per_s(catalog: Catalog) -> None:
    fig = render(catalog, "wcofs", "map", variable="u_sur", time="2024-10-17T02:00")
    with xr.open_dataset(SAMPLES / "WCOFS_subset.nc") as ds:
        step = pd.Timestamp(ds.ocean_time.values[1])
    assert subtitle(fig) == f"{step:%Y-%m-%d %H:%M} UTC" == "2024-10-17 02:00 UTC"
    assert "Surface current, grid x component (m s⁻¹)" in texts(fig)


def test_glorys_salinity_in_psu_at_a_rounded_depth(catalog: Catalog) -> None:
    fig = render(catalog, "glorys", "map", variable="so", depth="100")
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        levels = ds.depth.values
        day = pd.Timestamp(ds.time.values)
    level = float(levels[np.argmin(np.abs(levels - 100))])  # 91.92 m
    assert subtitle(fig) == f"{day:%Y-%m-%d} · depth {level:.0f} m" == "2021-06-29 · depth 92 m"
    colour_bar(fig, "Salinity (PSU)")


def test_quiver_key_and_speed_in_symbols(catalog: Catalog) -> None:
    fig = render(catalog, "glorys", "map", variable="current", quiver="current")
    found = texts(fig)
    assert "Sea water velocity speed (m s⁻¹)" in found
    assert any(t.endswith(" m s⁻¹") and t[0].isdigit() for t in found)  # the quiver key


def test_timeseries_legend_and_span(catalog: Catalog, giops_raw: xr.Dataset) -> None:
    fig = render(catalog, "giops", "timeseries", lon=-150, lat=10, depth=["surface", "100"])
    levels = giops_raw.deptht.values
    deep = float(levels[np.argmin(np.abs(levels - 100))])  # 92.33 m
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [f"{levels[0]:.1f} m", f"{deep:.0f} m"]
    times = [pd.Timestamp(t) for t in giops_raw.time_counter.values]
    assert subtitle(fig).endswith(f"{times[0]:%Y-%m} to {times[-1]:%Y-%m}")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == [f"{t:%Y-%m}" for t in times]  # a short monthly series: one tick a month


def test_hovmoller_span_at_the_cadence(catalog: Catalog) -> None:
    fig = render(catalog, "ersst-v5", "hovmoller", path="-170,0;-100,0")
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        first, last = (pd.Timestamp(ds.time.values[i]) for i in (0, -1))
        steps = ds.sizes["time"]
    span = f"{first:%Y-%m} to {last:%Y-%m}, {steps} steps"
    assert subtitle(fig).startswith(f"{span} · rhumb line, ")


def test_giops_svg_says_celsius_and_its_data_stays_in_kelvin(
    client: TestClient, giops_raw: xr.Dataset
) -> None:
    svg = client.get(f"{D}/giops/plots/map", params={"f": "svg"})
    assert svg.status_code == 200
    assert "Water temperature (°C)" in svg.text and "(K)" not in svg.text
    point = client.get(
        f"{D}/giops/data/point", params={"lon": -150, "lat": 10, "depth": 0, "time": "2014-05-17"}
    )
    assert point.status_code == 200
    body = point.json()
    cell = body["selection"]["variables"]["votemper"]["cells"][0]["index"]
    expected = giops_raw.votemper.isel(time_counter=0, deptht=0, y=cell["y"], x=cell["x"])
    assert body["variables"]["votemper"]["units"] == "K"
    assert body["variables"]["votemper"]["values"] == float(expected.values)
    csv = client.get(
        f"{D}/giops/data/point",
        params={"lon": -150, "lat": 10, "depth": 0, "time": "2014-05-17", "f": "csv"},
    )
    assert csv.status_code == 200
    assert "degC" not in csv.text and "°C" not in csv.text


@pytest.mark.parametrize(
    ("dataset", "plot_type", "where", "params"),
    [
        ("ersst-v5", "timeseries", "10°N 20°E", {"variable": "sst", "lon": 20.0, "lat": 10.0}),
        ("glorys", "profile", "52.5°N 2°W", {"variable": "thetao", "lon": [-2.0], "lat": [52.5]}),
    ],
)
def test_a_line_plot_on_land_says_there_is_no_data_on_the_axes_asked(
    catalog: Catalog, dataset: str, plot_type: str, where: str, params: dict[str, Any]
) -> None:
    """A point with no data (Africa for ERSST, England for GLORYS) draws the axes of the times
    or depths asked with a note, not a blank frame whose time axis starts in 1970."""
    fig = render(catalog, dataset, plot_type, **params)
    assert f"No data at {where}\n(land, or outside the dataset)" in texts(fig)
    ax = fig.axes[0]
    with catalog.reading(dataset) as opened:
        raw = opened.ds
        if plot_type == "timeseries":
            times = raw["time"].values
            low, high = (np.datetime64(int(v), "D") for v in ax.get_xlim())
            assert (low, high) == (
                times[0].astype("datetime64[D]"),
                times[-1].astype("datetime64[D]"),
            )
        else:
            depths = raw["depth"].values
            assert ax.get_ylim() == pytest.approx((depths.max(), depths.min()))


@pytest.mark.parametrize(
    ("dataset", "plot_type", "params"),
    [
        ("ersst-v5", "timeseries", {"variable": "sst", "lon": -140.0, "lat": 0.5}),
        ("glorys", "profile", {"variable": "thetao", "lon": [-12.0], "lat": [52.5]}),
    ],
)
def test_a_line_plot_with_data_has_no_note(
    catalog: Catalog, dataset: str, plot_type: str, params: dict[str, Any]
) -> None:
    fig = render(catalog, dataset, plot_type, **params)
    assert not [t for t in texts(fig) if t.startswith("No data at")]
    if plot_type == "profile":  # the axis ends at the deepest value drawn, not the deepest level
        assert max(fig.axes[0].get_ylim()) < 2000
