"""The TEOS-10 chain against GSW's own check values, and the column functions on profiles
with known answers."""

from __future__ import annotations

from pathlib import Path

import gsw
import numpy as np
import pytest

from catalog.derived import teos10

CHECK_VALUES = Path(gsw.__file__).parent / "tests" / "gsw_cv_v3_0.npz"


@pytest.fixture(scope="module")
def cv() -> dict[str, np.ndarray]:
    """GSW's check values (gsw_cv_v3_0, shipped with gsw): 3 casts of 45 levels."""
    with np.load(CHECK_VALUES) as data:
        return {k: data[k] for k in data.files}


def close(cv: dict[str, np.ndarray], name: str, value: np.ndarray) -> None:
    """Within GSW's own tolerance for that function (``<name>_ca``)."""
    expected = cv[name]
    finite = np.isfinite(expected)
    assert finite.sum() > 40
    np.testing.assert_array_equal(np.isfinite(value), finite)
    assert np.max(np.abs(value[finite] - expected[finite])) < cv[f"{name}_ca"]


def test_pressure_from_depth(cv: dict[str, np.ndarray]) -> None:
    depth = -cv["z_from_p"]  # metres, positive down
    close(cv, "p_from_z", teos10.pressure(depth, cv["lat_chck_cast"]))


def test_absolute_salinity_from_practical(cv: dict[str, np.ndarray]) -> None:
    sa = teos10.absolute_salinity(
        cv["SP_chck_cast"],
        "practical",
        cv["p_chck_cast"],
        cv["long_chck_cast"],
        cv["lat_chck_cast"],
    )
    close(cv, "SA_from_SP", sa)
    same = teos10.absolute_salinity(cv["SA_chck_cast"], "absolute", cv["p_chck_cast"], 0, 0)
    np.testing.assert_array_equal(same, cv["SA_chck_cast"])


def test_conservative_temperature_from_each_kind(cv: dict[str, np.ndarray]) -> None:
    sa, p = cv["SA_chck_cast"], cv["p_chck_cast"]
    close(cv, "CT_from_t", teos10.conservative_temperature(sa, cv["t_chck_cast"], "in_situ", p))
    pt = cv["pt_from_CT"]  # potential temperature (p_ref 0) of CT_chck_cast
    close(cv, "CT_from_pt", teos10.conservative_temperature(sa, pt, "potential", p))
    ct = cv["CT_chck_cast"]
    np.testing.assert_array_equal(teos10.conservative_temperature(sa, ct, "conservative", p), ct)


def test_density_sigma0_sound_speed(cv: dict[str, np.ndarray]) -> None:
    sa, ct, p = cv["SA_chck_cast"], cv["CT_chck_cast"], cv["p_chck_cast"]
    close(cv, "rho", teos10.density(sa, ct, p))
    close(cv, "sigma0", teos10.sigma0(sa, ct))
    close(cv, "sound_speed", teos10.sound_speed(sa, ct, p))


def test_buoyancy_frequency_on_levels(cv: dict[str, np.ndarray]) -> None:
    """N² between levels is gsw's check value; on the levels it is interpolated in pressure
    between the mid-points around each level, the end levels taking their one neighbour."""
    sa, ct, p = (cv[k].T for k in ("SA_chck_cast", "CT_chck_cast", "p_chck_cast"))
    lat = cv["lat_chck_cast"][:, None]
    levels = teos10.buoyancy_frequency_squared(sa, ct, p, lat)
    n2, mid = cv["n2"].T, cv["p_mid_n2"].T  # (cast, 44)
    for cast in range(3):
        ok = np.isfinite(n2[cast])
        k = int(np.flatnonzero(ok)[0]) + 1  # an interior level with mids on both sides
        w = (p[cast, k] - mid[cast, k - 1]) / (mid[cast, k] - mid[cast, k - 1])
        expected = n2[cast, k - 1] + (n2[cast, k] - n2[cast, k - 1]) * w
        assert levels[cast, k] == pytest.approx(expected, abs=float(cv["n2_ca"]) * 10)
        assert levels[cast, 0] == pytest.approx(n2[cast, 0], abs=float(cv["n2_ca"]))


def test_buoyancy_frequency_sign_follows_the_stratification() -> None:
    """Warmer water over colder is stable (N² > 0 on every level); a warm layer under cold
    water is unstable (N² < 0 at its top)."""
    p = np.linspace(0, 200, 21)
    sa = np.full_like(p, 35.0)
    stable = teos10.buoyancy_frequency_squared(sa, 20.0 - 0.05 * p, p, np.full_like(p, 45.0))
    assert np.all(stable > 0)
    ct = 20.0 - 0.05 * p
    ct[10:] += 5.0  # denser water above 100 dbar
    unstable = teos10.buoyancy_frequency_squared(sa, ct, p, np.full_like(p, 45.0))
    assert unstable[10] < 0 and unstable[9] < 0
    assert unstable[5] > 0 and unstable[15] > 0


def test_mixed_layer_depth_of_a_known_profile() -> None:
    """σ0 uniform to 30 m, then rising: the 0.03 kg m⁻³ threshold is crossed between 30 m and
    50 m at 30 + 20 * (0.03 − 0.02) / (0.2 − 0.02) m."""
    depths = np.array([0.5, 5, 10, 20, 30, 50, 100.0])
    sigma = np.array([25, 25, 25, 25, 25.02, 25.2, 26.0])
    assert teos10.mixed_layer_depth(sigma, depths) == pytest.approx(30 + 20 * 0.01 / 0.18)


def test_mixed_layer_depth_reference_is_interpolated_at_10_m() -> None:
    """Levels at 6 and 25 m (GLORYS's first two): σ0 at 10 m is interpolated between them."""
    depths = np.array([6.0, 25.0, 92.0])
    sigma = np.array([26.0, 26.19, 27.0])  # σ0(10 m) = 26.04; 26.07 reached at 14.75 m
    expected = 10 + 15 * (26.07 - 26.04) / (26.19 - 26.04)
    assert teos10.mixed_layer_depth(sigma, depths) == pytest.approx(expected)


def test_mixed_layer_depth_columns_and_edge_cases() -> None:
    depths = np.array([0.5, 10, 20, 40, 80.0])
    columns = np.array(
        [
            [25.0, 25.0, 25.0, 25.0, 25.0],  # mixed to the bottom: the deepest level
            [25.0, 25.0, 25.0, np.nan, np.nan],  # shallower column: its deepest valid level
            [np.nan] * 5,  # land
            [25.0, 25.0, 25.1, 25.2, 25.3],  # crossed between 10 and 20 m
        ]
    )
    mld = teos10.mixed_layer_depth(columns, depths)
    assert mld[0] == 80.0
    assert mld[1] == 20.0
    assert np.isnan(mld[2])
    assert mld[3] == pytest.approx(10 + 10 * 0.03 / 0.1)
