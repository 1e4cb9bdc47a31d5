"""The corridor's selection (``catalog.observations.corridor``) against the independent
computation of tests/api/test_edr_corridor.py, on positions scattered round paths that cross
180° and bend sharply, near and far (the far ones left out by the k-d tree's reach)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from catalog.observations import corridor
from tests.api.test_edr_corridor import along_path

PATHS = [
    ("rhumb", [(170.0, -30.0), (178.0, -28.0), (-175.0, -35.0), (-170.0, -20.0)]),
    ("geodesic", [(150.0, 50.0), (-160.0, 60.0), (-140.0, 40.0)]),
]


@pytest.mark.parametrize(("path_type", "vertices"), PATHS)
def test_selection_equals_the_independent_computation(
    path_type: str, vertices: list[tuple[float, float]]
) -> None:
    rng = np.random.default_rng(22)
    lons = np.array([v[0] for v in vertices])
    lats = np.array([v[1] for v in vertices])
    centre = np.degrees(np.angle(np.exp(1j * np.radians(lons)).mean()))
    n = 300
    rows = pd.DataFrame(
        {
            "profile_id": [f"p{k:03d}" for k in range(n)],
            "lon": (centre + rng.uniform(-25, 25, n) + 180.0) % 360.0 - 180.0,
            "lat": rng.uniform(lats.min() - 4, lats.max() + 4, n),
            "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(np.arange(n), "h"),
        }
    )
    half_width = 150_000.0
    measured = along_path(rows, vertices, path_type)
    assert np.abs(measured.distance - half_width).min() > 50  # none on the edge
    want = measured[measured.distance <= half_width]
    assert 20 <= len(want) < n - 20
    chosen = corridor.Corridor(tuple(vertices), half_width, path_type)  # type: ignore[arg-type]
    got = corridor.select(chosen, rows)
    assert sorted(got.profile_id) == sorted(want.profile_id)
    by_id = want.set_index("profile_id").loc[got.profile_id]
    np.testing.assert_allclose(got.distance, by_id.distance, atol=5.0)
    # the foot found in a plane: metres off along the path for a position 150 km from it
    np.testing.assert_allclose(got.along, by_id.along, atol=100.0)
    assert (np.diff(got.along.to_numpy()) >= 0).all()
