"""bench/webmap.py runs: its requests are ones both servers accept (our tiles through the app,
xpublish-wms's through its own query model), both ask for the same tile, and a sample's stream
never repeats a request."""

from __future__ import annotations

import io
import itertools

import mercantile
import morecantile
import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from xpublish_wms.query import WMSGetMapQuery, WMSQuery

from bench import webmap
from plotting.webmap.targets import tile_target


def test_their_tile_is_our_tile() -> None:
    """xpublish-wms's ``tile=x,y,z`` (mercantile) covers the box our tile's target covers, and
    its GetMap query passes its own validation with that tile, CRS and style."""
    tile = morecantile.Tile(5, 11, 4)
    path, params = webmap.their_tile(tile, webmap.ERSST_MONTHS[7])
    query = WMSQuery.model_validate(params).root
    assert isinstance(query, WMSGetMapQuery)
    assert path == "/datasets/ersst/wms"
    assert query.tile == (5, 11, 4)
    assert query.crs == "EPSG:3857"
    assert query.styles == ("raster", "cmo.thermal")
    assert query.colorscalerange == (-2.0, 32.0)
    theirs = mercantile.xy_bounds(*query.tile)
    ours = tile_target("WebMercatorQuad", tile.z, tile.x, tile.y)
    assert ours.crs == "EPSG:3857"
    assert np.allclose(ours.bbox, tuple(theirs), rtol=0, atol=1e-6)
    (width, height) = (int(params["width"]), int(params["height"]))
    assert (width, height) == (ours.width, ours.height) == (256, 256)


def test_their_getmap_is_the_world_box() -> None:
    query = WMSQuery.model_validate(webmap.their_getmap(webmap.ERSST_MONTHS[0])[1]).root
    assert isinstance(query, WMSGetMapQuery)
    assert query.bbox == (-180.0, -90.0, 180.0, 90.0)
    assert (query.width, query.height, query.crs) == (800, 400, "EPSG:4326")


def test_covering_tiles_touch_the_box() -> None:
    box = (-125.74, 43.53, -123.2, 46.06)  # WCOFS
    tiles = webmap.covering_tiles(box)
    zooms = sorted({t.z for t in tiles})
    assert len(zooms) == 2 and zooms[1] == zooms[0] + 1
    assert len([t for t in tiles if t.z == zooms[0]]) >= 4
    assert len(list(webmap.TMS.tiles(*box, zooms=[zooms[0] - 1]))) < 4
    for tile in tiles:
        west, south, east, north = webmap.TMS.bounds(tile)
        assert west <= box[2] and east >= box[0] and south <= box[3] and north >= box[1]


def test_month_pool_hands_out_each_month_once() -> None:
    pool = webmap.MonthPool(exclude=webmap.VIEWPORT_MONTH)
    taken = pool.take(100) + pool.take(27)
    assert sorted(taken) == sorted(set(webmap.ERSST_MONTHS) - {webmap.VIEWPORT_MONTH})
    assert not pool.reused
    assert pool.take(1)[0] == taken[0]
    assert pool.reused


def test_samples_stream_distinct_tiles_our_app_draws(client: TestClient) -> None:
    """A sample's stream never repeats a request, and the app draws its first ones (256 x 256
    PNGs, the render's stages in Server-Timing: drawn, not answered from the cache)."""
    sample = webmap.describe(client, "glorys", "thetao")  # type: ignore[arg-type]
    assert sample.times == ["2021-06-29T00:00:00Z"]
    assert len(sample.depths) == 6
    urls = [webmap.url(q) for q in sample.queries()]
    per_colour_map = len(sample.tiles) * len(sample.depths)
    assert len(urls) == len(set(urls)) == per_colour_map * (1 + len(webmap.COLORMAPS))
    stages: webmap.Stages = {}
    queries = list(itertools.islice(sample.queries(), 3))
    seconds = webmap.timed(client, queries, stages)  # type: ignore[arg-type]
    assert len(seconds) == 3
    assert set(stages) == {"field", "index", "colour", "encode"}
    assert all(len(v) == 3 for v in stages.values())
    image = Image.open(io.BytesIO(webmap.fetch_png(client, queries[0])))  # type: ignore[arg-type]
    assert image.size == (256, 256)


def test_bench_app_adds_the_getmap_stand_in() -> None:
    """The bench's server is the service plus its GetMap stand-in (not started here: the bench
    run draws through it and compares its picture with xpublish-wms's)."""
    app = webmap.create_bench_app()
    path, params = webmap.bench_getmap(webmap.ERSST_MONTHS[3], 640, 320)
    assert app.url_path_for("world_map", dataset_id="ersst-v5") == path
    tile = webmap.tile_query("giops", "votemper", morecantile.Tile(3, 14, 5))[0]
    names = {"tileMatrixSetId": "WebMercatorQuad", "z": "5", "x": "3", "y": "14"}
    assert app.url_path_for("get_tile", dataset_id="giops", **names) == tile
    assert (params["width"], params["height"], params["scale"]) == ("640", "320", "-2,32")
