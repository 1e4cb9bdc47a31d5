"""The gallery (docs/gallery, ``make examples``) covers every plot type on every sample it
applies to and each projection, its page lists every image with its request, and the images
are the answers to those requests as the service draws them today (same size, a PNG)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from catalog.store import Catalog
from plotting.types import PLOT_TYPES
from tests.conftest import SAMPLES
from tools import gallery


def test_every_plot_type_on_every_sample_it_applies_to() -> None:
    catalog = Catalog(Path(SAMPLES / "catalog.yaml"))
    expected = set()
    for dataset in catalog.ids:
        with catalog.reading(dataset) as opened:
            expected |= {
                (dataset, name)
                for name, plot_type in PLOT_TYPES.items()
                if plot_type.applies_to(opened)
            }
    assert expected == {(item.dataset, item.plot) for item in gallery.ITEMS}


@pytest.mark.parametrize("dataset", ["ersst-v5", "glorys"])
def test_each_projection_of_a_global_and_a_regional_map(dataset: str) -> None:
    shown = {
        item.params.get("projection", "plate-carree")
        for item in gallery.ITEMS
        if (item.dataset, item.plot) == (dataset, "map")
    }
    assert shown >= set(gallery.PROJECTIONS)


def test_the_page_lists_every_image_with_its_request() -> None:
    text = gallery.PAGE.read_text(encoding="utf-8")
    assert text == gallery.page()  # regenerated with the items (make examples)
    for item in gallery.ITEMS:
        assert f"]({item.file.name})" in text and f"`GET {item.url}`" in text
    assert {p.name for p in gallery.GALLERY.glob("*.png")} == {i.file.name for i in gallery.ITEMS}


@pytest.mark.parametrize("item", gallery.ITEMS, ids=lambda item: item.slug)
def test_each_image_is_the_answer_to_its_request(client: TestClient, item: gallery.Item) -> None:
    response = client.get(item.url)
    assert response.status_code == 200, response.text
    drawn = Image.open(io.BytesIO(response.content)).convert("RGB")
    kept = Image.open(item.file)
    assert kept.format == "PNG" and kept.size == drawn.size
    difference = np.abs(
        np.asarray(drawn, dtype=np.int16) - np.asarray(kept.convert("RGB"), dtype=np.int16)
    )
    changed = float((difference.max(axis=2) > 48).mean())
    assert changed < 0.01, f"{changed:.1%} of the pixels differ: run `make examples`"
