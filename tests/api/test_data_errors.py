"""Too much data is a 413 with the figures (bad parameters: tests/api/test_bad_input.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG

D = "/api/v1/datasets"


def test_too_much_data_is_413_with_the_figures(make_client: Callable[..., TestClient]) -> None:
    client = make_client(DEFAULT_CATALOG, max_values=10_000)
    response = client.get(f"{D}/ersst-v5/data/area", params={"bbox": "-180,-88,180,88"})
    assert response.status_code == 413
    problem = response.json()
    assert problem["type"] == "/problems/selection-too-large"
    assert problem["estimate"] == 89 * 180 and problem["limit"] == 10_000
    assert "stride" in problem["detail"]
    # The same box thinned fits.
    thinned = client.get(f"{D}/ersst-v5/data/area", params={"bbox": "-180,-88,180,88", "stride": 2})
    assert thinned.status_code == 200
    series = client.get(f"{D}/ersst-v5/data/timeseries", params={"lon": 0, "lat": 0})
    assert series.status_code == 200
