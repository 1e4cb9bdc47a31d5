"""The Hovmöller query on a real sample: values equal xarray's, and the size guard counts levels."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from api.settings import DEFAULT_CATALOG
from catalog import query
from catalog.errors import SelectionTooLarge
from catalog.store import Catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    opened = Catalog(DEFAULT_CATALOG)
    opened.open_all()
    return opened


def test_values_are_the_file_cells_along_the_path(catalog: Catalog) -> None:
    result = query.hovmoller(catalog.dataset("ersst-v5"), "sst", [(-170, 0), (-100, 0)], 8)
    with xr.open_dataset(DEFAULT_CATALOG.parent / "sst.mnmean.nc") as ds:
        for k, lon in enumerate(result.data["longitude"].values):
            expected = ds["sst"].sel(lon=lon % 360, lat=0, method="nearest").values
            np.testing.assert_allclose(result.data["sst"].values[:, k], expected, rtol=1e-6)
    assert result.data["sst"].dims == ("time", "distance")


def test_bottom_counts_every_level_it_reads(catalog: Catalog) -> None:
    giops = catalog.dataset("giops")
    path = [(-160.0, 5.0), (-140.0, 15.0)]
    # 100 samples x 2 steps x 1 level = 200 values at the surface ...
    query.hovmoller(giops, "votemper", path, 100, depth="surface", max_values=1000)
    # ... but 'bottom' reads all 50 levels of each column: 10,000 values.
    with pytest.raises(SelectionTooLarge):
        query.hovmoller(giops, "votemper", path, 100, depth="bottom", max_values=1000)
