"""Plots of an observation collection (track, obsprofile, obssection, the T-S diagram of
profiles): through the app and the process pool for what the service answers, and drawn in
this process to read back what the figure holds, against the Argo sample's own values."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gsw
import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from matplotlib.collections import PathCollection
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from PIL import Image

from api.settings import DEFAULT_CATALOG
from catalog.observations import argo
from catalog.observations.collection import ObservationCollection
from catalog.store import Catalog
from plotting.layout import fill, main_axes
from plotting.observed import ObservationContext
from plotting.types import PLOT_TYPES
from tests.conftest import (
    SAMPLES,
    gridded_entries,
    sample_entries,
    write_catalog,
)

ARGO = SAMPLES / "5900865_prof.nc"
ID = "argo-5900865"
PLOTS = f"/api/v1/datasets/{ID}/plots"
OBSERVED = ["track", "obsprofile", "obssection"]


@pytest.fixture(scope="module")
def collection() -> ObservationCollection:
    return Catalog(DEFAULT_CATALOG).collection(ID)


def scratch(tmp_path: Path, edit: Callable[[netCDF4.Dataset], None]) -> ObservationCollection:
    """The sample copied and edited in place (``edit``), indexed as the collection."""
    target = tmp_path / "edited_prof.nc"
    shutil.copy(ARGO, target)
    with netCDF4.Dataset(target, "r+") as nc:
        nc.set_auto_mask(False)
        edit(nc)
    entry = next(e for e in sample_entries() if e["id"] == ID)
    entry = {**entry, "source": {"argo": target.name}}
    return Catalog(write_catalog(tmp_path, [entry])).collection(ID)


def draw(collection: ObservationCollection, kind: str, **params: Any) -> Figure:
    """The figure the worker draws, with the API's checks first."""
    plot_type = PLOT_TYPES[kind]
    assert plot_type.observed is not None
    parsed = plot_type.params.model_validate(params)
    plot_type.validate_observed(collection, parsed)
    return plot_type.observed.render(ObservationContext(collection, 2_000_000), parsed)


def png(response: Any) -> np.ndarray:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))


def scatters(fig: Figure) -> list[PathCollection]:
    return [c for c in main_axes(fig).collections if type(c) is PathCollection]


def labelled(fig: Figure, label: str) -> Any:
    """The one artist of the plot's axes with this label ('positions', 'tracks', 'cells')."""
    (found,) = [c for c in main_axes(fig).collections if c.get_label() == label]
    return found


def file_positions() -> pd.DataFrame:
    """Each profile's time and position, read with xarray straight from the file."""
    with xr.open_dataset(ARGO) as ds:
        return pd.DataFrame(
            {
                "time": pd.DatetimeIndex(ds.JULD.values),
                "lon": ds.LONGITUDE.values.astype(float),
                "lat": ds.LATITUDE.values.astype(float),
                "cycle": ds.CYCLE_NUMBER.values.astype(int),
            }
        ).sort_values("time")


def row_of(profile_id: str) -> int:
    """The file's row of a profile (cycle numbers are 1..80 in file order)."""
    with xr.open_dataset(ARGO) as ds:
        return int(np.flatnonzero(ds.CYCLE_NUMBER.values == int(profile_id[-3:]))[0])


# ------------------------------------------------------------------ where each applies


def test_plot_types_list_the_collection_and_their_kinds(client: TestClient) -> None:
    listing = {t["name"]: t for t in client.get("/api/v1/plot-types").json()["plot_types"]}
    observed = [  # the collections of profiles (ersst-series: CF time series only)
        e["id"]
        for e in sample_entries()
        if e not in gridded_entries() and e["id"] != "ersst-series"
    ]
    assert ID in observed
    for name in OBSERVED:
        assert listing[name]["datasets"] == observed, name
        assert listing[name]["kinds"] == ["observations"]
        assert listing[name]["location"] == "observations"
    assert listing["ts"]["kinds"] == ["gridded", "observations"]
    assert listing["ts"]["datasets"] == ["glorys", "glorys-mesh", *observed]
    for name, listed in listing.items():
        if name not in [*OBSERVED, "ts"]:
            assert not set(observed) & set(listed["datasets"]), name
            assert listed["kinds"] == ["gridded"], name


@pytest.mark.parametrize("plot_type", list(PLOT_TYPES))
def test_every_plot_type_on_the_collection(client: TestClient, plot_type: str) -> None:
    applies = plot_type in [*OBSERVED, "ts"]
    chosen = {"platform": "5900865"} if applies else {}
    response = client.get(f"{PLOTS}/{plot_type}", params={**chosen, "width": 640, "height": 480})
    if not applies:
        assert response.status_code == 404
        problem = response.json()
        assert problem["type"] == "/problems/plot-type-not-found"
        assert set(problem["valid_values"]) == {*OBSERVED, "ts"}
        return
    pixels = png(response)
    assert pixels.shape == (480, 640, 3)
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


@pytest.mark.parametrize("plot_type", OBSERVED)
def test_observation_plot_types_refuse_a_gridded_dataset(
    client: TestClient, plot_type: str
) -> None:
    problem = client.get(f"/api/v1/datasets/glorys/plots/{plot_type}").json()
    assert problem["type"] == "/problems/plot-type-not-found"
    assert ID in problem["detail"]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("track", {}),
        ("track", {"platform": "5900865", "width": 500}),
        ("obsprofile", {"profile_id": ["5900865_001", "5900865_034"], "qc": "all"}),
        ("obsprofile", {"platform": "5900865"}),
        ("obssection", {"platform": "5900865"}),
        ("ts", {"profile_id": ["5900865_001", "5900865_070"]}),
        ("ts", {"platform": "5900865"}),
    ],
)
def test_axes_and_colour_bar_fill_the_canvas(
    collection: ObservationCollection, kind: str, params: dict[str, Any]
) -> None:
    measured = fill(draw(collection, kind, **params))
    assert measured.title_offset <= 0.02, measured
    if measured.bar_height:  # a colour bar (few profiles are named in a legend instead)
        assert measured.bar_height == pytest.approx(1.0, abs=0.02), measured
    assert max(measured.width, measured.height) >= 0.85, measured
    if kind != "track":  # a map keeps its aspect
        assert min(measured.width, measured.height) >= 0.85, measured


# ------------------------------------------------------------------ track


def test_track_draws_the_index_positions_coloured_by_time(
    client: TestClient, collection: ObservationCollection
) -> None:
    png(client.get(f"{PLOTS}/track", params={"platform": "5900865"}))
    fig = draw(collection, "track", platform="5900865")
    points = labelled(fig, "positions")
    expected = file_positions()
    np.testing.assert_allclose(points.get_offsets(), expected[["lon", "lat"]].to_numpy())
    times = date2num(expected["time"].to_numpy())
    np.testing.assert_allclose(np.asarray(points.get_array()), times)
    x0, x1 = main_axes(fig).get_xlim()
    south, north = main_axes(fig).get_ylim()
    assert x0 < expected["lon"].min() < expected["lon"].max() < x1
    assert south < expected["lat"].min() < expected["lat"].max() < north
    assert x1 - x0 < 3 * (expected["lon"].max() - expected["lon"].min())  # fitted, not global
    (track,) = labelled(
        fig, "tracks"
    ).get_segments()  # one float, not crossing 180: one line through them all
    np.testing.assert_allclose(track, expected[["lon", "lat"]].to_numpy())


def test_track_searches_as_observations_do(
    client: TestClient, collection: ObservationCollection
) -> None:
    bbox, start, end = (110.0, -12.0, 114.0, -10.0), "2006-01-01", "2006-12-31"
    found = client.get(
        f"/api/v1/datasets/{ID}/observations",
        params={"bbox": ",".join(map(str, bbox)), "start": start, "end": end, "limit": 1000},
    ).json()["features"]
    fig = draw(collection, "track", bbox=",".join(map(str, bbox)), start=start, end=end)
    points = labelled(fig, "positions")
    listed = [f["geometry"]["coordinates"] for f in found]
    assert 0 < len(listed) < 80
    np.testing.assert_allclose(points.get_offsets(), listed)


def moved_to_180(nc: netCDF4.Dataset) -> None:
    """The float's positions shifted so that its track crosses the antimeridian."""
    lon = nc["LONGITUDE"][:].astype(float)
    nc["LONGITUDE"][:] = (lon - lon.mean() + 180.0 + 180.0) % 360.0 - 180.0


def test_a_track_across_180_is_centred_there_and_never_crosses_the_globe(
    tmp_path: Path,
) -> None:
    moved = scratch(tmp_path, moved_to_180)
    lon = moved.table["lon"].to_numpy()
    assert (lon > 170).any() and (lon < -170).any()  # both sides of the antimeridian
    fig = draw(moved, "track", platform="5900865")
    ax = main_axes(fig)
    x0, x1 = ax.get_xlim()
    assert x0 < 180 < x1 and x1 - x0 < 30  # a map around 180°, not a band round the globe
    points = labelled(fig, "positions")
    x = points.get_offsets()[:, 0]
    assert ((x > x0) & (x < x1)).all()
    np.testing.assert_allclose(x, np.where(lon < 0, lon + 360, lon))  # east of 180: past it
    segments = labelled(fig, "tracks").get_segments()
    assert len(segments) >= 2  # split at 180° (index.track), drawn on either side
    for segment in segments:
        assert (np.abs(np.diff(segment[:, 0])) < 180).all()
        assert ((segment[:, 0] >= x0) & (segment[:, 0] <= x1)).all()
    assert any(np.isclose(s[-1, 0], 180.0) for s in segments)  # pieces meet on 180°


def test_a_track_across_180_through_the_api(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    scratch(tmp_path, moved_to_180)
    client = make_client(tmp_path / "catalog.yaml")
    pixels = png(client.get(f"{PLOTS}/track"))
    assert pixels.std() > 20


def test_each_platform_has_its_own_track(tmp_path: Path) -> None:
    """Two floats (the sample, and a copy renamed 5900866 and moved 5° east): one line each,
    joining only its own positions."""
    shutil.copy(ARGO, tmp_path / "5900865_prof.nc")
    shutil.copy(ARGO, tmp_path / "5900866_prof.nc")
    with netCDF4.Dataset(tmp_path / "5900866_prof.nc", "r+") as nc:
        nc.set_auto_mask(False)
        names = nc["PLATFORM_NUMBER"][:]
        names[:, :7] = np.array([c.encode() for c in "5900866"], dtype="S1")
        nc["PLATFORM_NUMBER"][:] = names
        nc["LONGITUDE"][:] = nc["LONGITUDE"][:] + 5.0
    entry = next(e for e in sample_entries() if e["id"] == ID)
    both = Catalog(write_catalog(tmp_path, [{**entry, "source": {"argo": "*_prof.nc"}}]))
    collection = both.collection(ID)
    assert collection.platforms == ["5900865", "5900866"]
    fig = draw(collection, "track")
    first, second = labelled(fig, "tracks").get_segments()
    expected = file_positions()[["lon", "lat"]].to_numpy()
    np.testing.assert_allclose(first, expected)
    np.testing.assert_allclose(second, expected + np.array([5.0, 0.0]))
    assert len(labelled(fig, "positions").get_offsets()) == 160
    assert fig.get_suptitle() == "Profile positions of 2 platforms"
    named = {t.get_text(): t.xy for t in main_axes(fig).texts}  # at each one's last position
    assert named == {"5900865": tuple(expected[-1]), "5900866": tuple(expected[-1] + [5.0, 0])}


# ------------------------------------------------------------------ obsprofile


@pytest.mark.parametrize("vertical", ["pressure", "depth"])
@pytest.mark.parametrize("variable", ["temperature", "salinity"])
def test_obsprofile_draws_the_profiles_values(
    client: TestClient, collection: ObservationCollection, variable: str, vertical: str
) -> None:
    ids = ["5900865_001", "5900865_034"]
    png(client.get(f"{PLOTS}/obsprofile", params={"profile_id": ids, "variable": variable}))
    fig = draw(collection, "obsprofile", profile_id=ids, variable=variable, vertical=vertical)
    lines = main_axes(fig).get_lines()
    assert [line.get_label() for line in lines] == [
        "5900865_001 · 2005-08-28",
        "5900865_034 · 2006-07-24",
    ]
    for line, profile_id in zip(lines, ids, strict=True):
        profile = argo.read_profile(ARGO, row_of(profile_id), "good")
        np.testing.assert_array_equal(line.get_xdata(), getattr(profile, variable))
        np.testing.assert_array_equal(line.get_ydata(), getattr(profile, vertical))
    with xr.open_dataset(ARGO) as ds:  # delayed mode: the adjusted values, as in the file
        adjusted = ds["TEMP_ADJUSTED" if variable == "temperature" else "PSAL_ADJUSTED"]
        first = adjusted.isel(N_PROF=0).values
        shown = np.asarray(lines[0].get_xdata(), dtype=float)
        np.testing.assert_allclose(shown[np.isfinite(shown)], first[np.isfinite(shown)])
    assert not scatters(fig)  # qc=good: nothing flagged is drawn
    assert main_axes(fig).get_ylim()[1] == 0.0  # the surface at the top, deeper down


def flag_some(nc: netCDF4.Dataset) -> None:
    """Flags set on four values of the first profile (kept): 4 (bad) thrice, 3 once."""
    flags = nc["TEMP_ADJUSTED_QC"][:]
    flags[0, [5, 20, 21]] = b"4"
    flags[0, 30] = b"3"
    nc["TEMP_ADJUSTED_QC"][:] = flags


def test_flagged_values_are_marked_with_qc_all_and_absent_with_qc_good(tmp_path: Path) -> None:
    flagged = scratch(tmp_path, flag_some)
    every = argo.read_profile(tmp_path / "edited_prof.nc", 0, "all")
    bad = np.array([5, 20, 21, 30])
    fig = draw(flagged, "obsprofile", profile_id=["5900865_001"], qc="all")
    (marks,) = scatters(fig)
    np.testing.assert_allclose(
        marks.get_offsets(), np.column_stack([every.temperature[bad], every.pressure[bad]])
    )
    (line,) = main_axes(fig).get_lines()
    drawn = np.asarray(line.get_xdata(), dtype=float)
    assert np.isnan(drawn[bad]).all()  # the line joins the good values only
    legend = [t.get_text() for t in main_axes(fig).get_legend().get_texts()]
    assert "flagged (QC 3, 4): 4 values" in legend
    good = draw(flagged, "obsprofile", profile_id=["5900865_001"], qc="good")
    assert not scatters(good)
    (good_line,) = main_axes(good).get_lines()
    masked = argo.read_profile(tmp_path / "edited_prof.nc", 0, "good")
    np.testing.assert_array_equal(good_line.get_xdata(), masked.temperature)
    assert np.isnan(masked.temperature[bad]).all()
    assert not any("flagged" in t.get_text() for t in main_axes(good).get_legend().get_texts())


def test_many_profiles_are_coloured_by_time(collection: ObservationCollection) -> None:
    fig = draw(collection, "obsprofile", platform="5900865", end="2006-06-30")
    lines = main_axes(fig).get_lines()
    assert len(lines) == (file_positions()["time"] <= "2006-06-30").sum()
    assert main_axes(fig).get_legend() is None and len(fig.axes) == 2  # a bar of dates


# ------------------------------------------------------------------ obssection


def test_obssection_cells_are_the_profiles_values_at_their_times(
    client: TestClient, collection: ObservationCollection
) -> None:
    params = {"platform": "5900865", "start": "2006-01-01", "end": "2006-12-31"}
    png(client.get(f"{PLOTS}/obssection", params={**params, "variable": "salinity"}))
    fig = draw(collection, "obssection", variable="salinity", **params)
    mesh = labelled(fig, "cells")
    every = file_positions()  # in time order, indexed by the file's row
    rows = every.loc[(every["time"] >= "2006-01-01") & (every["time"] <= "2006-12-31")]
    profiles = [argo.read_profile(ARGO, int(r), "good") for r in rows.index]
    expected = np.concatenate([p.salinity[np.isfinite(p.salinity)] for p in profiles])
    np.testing.assert_allclose(np.asarray(mesh.get_array()), expected)
    quads = np.asarray([path.vertices[:4] for path in mesh.get_paths()])
    counts = [int(np.isfinite(p.salinity).sum()) for p in profiles]
    times = date2num(rows["time"].to_numpy())
    owner = np.repeat(times, counts)
    left, right = quads[:, :, 0].min(axis=1), quads[:, :, 0].max(axis=1)
    assert ((left < owner) & (owner < right)).all()  # each cell in its profile's column
    cycle = np.median(np.diff(times))
    assert (right - left <= 1.5 * cycle + 1e-9).all()  # no column stretched over a gap
    pressures = np.concatenate([p.pressure[np.isfinite(p.salinity)] for p in profiles])
    top, bottom = quads[:, :, 1].min(axis=1), quads[:, :, 1].max(axis=1)
    assert ((top <= pressures) & (pressures <= bottom)).all()
    assert main_axes(fig).get_ylim()[1] == 0.0


def test_a_missed_cycle_leaves_a_blank_column(tmp_path: Path) -> None:
    def late(nc: netCDF4.Dataset) -> None:  # the last profile 60 days after the one before
        juld = nc["JULD"][:]
        juld[-1] = juld[-2] + 60.0
        nc["JULD"][:] = juld

    moved = scratch(tmp_path, late)
    fig = draw(moved, "obssection", platform="5900865", start="2007-09-01")
    mesh = labelled(fig, "cells")
    x = np.asarray([path.vertices[:4, 0] for path in mesh.get_paths()])
    starts = np.unique(x.min(axis=1))
    ends = np.unique(x.max(axis=1))
    assert ends[-2] + 40 < starts[-1]  # 60 days apart: a blank of over 40 days between


# ------------------------------------------------------------------ T-S of profiles


def test_ts_of_profiles_draws_gsw_sa_and_ct(
    client: TestClient, collection: ObservationCollection
) -> None:
    ids = ["5900865_001", "5900865_070"]
    png(client.get(f"{PLOTS}/ts", params={"profile_id": ids}))
    fig = draw(collection, "ts", profile_id=ids)
    (dots,) = scatters(fig)
    profiles = [argo.read_profile(ARGO, row_of(i), "good") for i in ids]
    sa = [gsw.SA_from_SP(p.salinity, p.pressure, p.lon, p.lat) for p in profiles]
    ct = [gsw.CT_from_t(s, p.temperature, p.pressure) for s, p in zip(sa, profiles, strict=True)]
    width = max(p.pressure.size for p in profiles)
    padded = [np.pad(v, (0, width - v.size), constant_values=np.nan) for v in (*sa, *ct)]
    expected = np.column_stack(
        [
            np.column_stack(padded[:2]).ravel(),  # level by level, as drawn
            np.column_stack(padded[2:]).ravel(),
        ]
    )
    finite = np.isfinite(expected).all(axis=1)
    offsets = np.asarray(dots.get_offsets())
    np.testing.assert_allclose(offsets[np.isfinite(offsets).all(axis=1)], expected[finite])
    labels = [line.get_label() for line in main_axes(fig).get_lines()]
    assert labels == ["5900865_001 · 2005-08-28", "5900865_070 · 2007-07-19"]


def test_ts_of_profiles_keeps_the_depth_range(collection: ObservationCollection) -> None:
    fig = draw(collection, "ts", profile_id=["5900865_010"], depth_max=500)
    (dots,) = scatters(fig)
    depths = np.asarray(dots.get_array())
    assert np.nanmax(depths) <= 500 and np.isfinite(depths).sum() > 10


# ------------------------------------------------------------------ bad input

BAD = [
    (f"{ID}/plots/track?platform=nope", "platform"),
    (f"{ID}/plots/track?bbox=10,0,5", "bbox"),
    (f"{ID}/plots/track?start=2007-01-01&end=2006-01-01", "end"),
    (f"{ID}/plots/track?variable=temperature", "variable"),
    (f"{ID}/plots/obsprofile", "profile_id"),
    (f"{ID}/plots/obsprofile?profile_id=5900865_999", "profile_id"),
    (f"{ID}/plots/obsprofile?profile_id=5900865_001&platform=5900865", "platform"),
    (f"{ID}/plots/obsprofile?profile_id=5900865_001&variable=oxygen", "variable"),
    (f"{ID}/plots/obsprofile?profile_id=5900865_001&qc=best", "qc"),
    (f"{ID}/plots/obsprofile?profile_id=5900865_001&vertical=height", "vertical"),
    (f"{ID}/plots/obsprofile?profile_id=5900865_001&units=degF", "units"),
    (f"{ID}/plots/obsprofile?platform=5900865&start=2030-01-01", "start"),
    (f"{ID}/plots/obssection", "platform"),
    (f"{ID}/plots/obssection?platform=5900865&scale=3", "scale"),
    (f"{ID}/plots/ts?lon=110&lat=-10", "lon"),
    (f"{ID}/plots/ts?profile_id=5900865_001&time=2006-01-01", "time"),
    ("glorys/plots/ts?lon=-10&lat=50&profile_id=5900865_001", "profile_id"),
    ("glorys/plots/ts?lon=-10&lat=50&platform=5900865", "platform"),
    (f"{ID}/plots/obsprofile?" + "&".join(["profile_id=5900865_001"] * 101), "profile_id"),
]


@pytest.mark.parametrize(("query", "name"), BAD)
def test_bad_observation_plot_parameters_are_400_naming_the_parameter(
    client: TestClient, query: str, name: str
) -> None:
    response = client.get(f"/api/v1/datasets/{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert name in [p["name"] for p in problem["invalid_params"]], problem
    assert all(p["reason"] for p in problem["invalid_params"])


def test_the_readme_examples_draw_what_it_says(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("#### Plots of observation collections", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0].splitlines()
    calls = [line for line in block if line.startswith("$ curl")]
    sizes = {
        line.split(":")[0]: tuple(int(v) for v in line.split(", ")[1].split(" x "))
        for line in block
        if "PNG image data" in line
    }
    assert len(calls) == len(sizes) == 4
    for call in calls:
        name = call.split("-o ")[1].split()[0]
        url = call.split('"')[1].removeprefix("http://127.0.0.1:8000")
        pixels = png(client.get(url))
        assert (pixels.shape[1], pixels.shape[0]) == sizes[name], name
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


def test_an_unknown_id_is_404_naming_what_the_plot_type_draws(client: TestClient) -> None:
    observed = client.get("/api/v1/datasets/nope/plots/track").json()
    assert observed["type"] == "/problems/dataset-not-found"
    assert observed["valid_values"] == sorted(  # sorted, as every problem lists them
        e["id"] for e in sample_entries() if e not in gridded_entries()
    )
    gridded = client.get("/api/v1/datasets/nope/plots/map").json()
    assert gridded["type"] == "/problems/dataset-not-found" and ID not in gridded["valid_values"]


def test_a_collection_of_time_series_only_is_not_drawn_as_profiles(client: TestClient) -> None:
    """ersst-series holds CF time series and a trajectory, no profile: the observation plots
    do not list it, and asked of it answer a 404 saying where its samples are."""
    listing = {t["name"]: t for t in client.get("/api/v1/plot-types").json()["plot_types"]}
    for name in [*OBSERVED, "ts"]:
        assert "ersst-series" not in listing[name]["datasets"], name
        assert "argo-5900865" in listing[name]["datasets"], name
    refused = client.get("/api/v1/datasets/ersst-series/plots/track")
    assert refused.status_code == 404
    assert refused.json()["type"] == "/problems/plot-type-not-found"
    assert "holds no profiles" in refused.json()["detail"]
