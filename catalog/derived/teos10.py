"""The TEOS-10 chain with gsw, on numpy arrays.

What a model file holds is not what TEOS-10 functions take: GLORYS gives potential temperature
(θ) and practical salinity (SP). The chain (IOC, SCOR and IAPSO 2010; McDougall and Barker
2011) is: sea pressure from depth and latitude (``p_from_z``), Absolute Salinity from SP at
that pressure and place (``SA_from_SP``), Conservative Temperature from θ (``CT_from_pt``) or
from in-situ temperature (``CT_from_t``), then the function of (SA, CT, p). Passing SP and θ
straight to ``gsw.rho`` — as the Ocean Navigator does — is wrong by about 0.1 kg m⁻³.

Arrays broadcast as numpy's do; for the functions along a column the depth axis is the last.
"""

from __future__ import annotations

from typing import Literal

import gsw
import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
TemperatureKind = Literal["potential", "conservative", "in_situ"]
SalinityKind = Literal["practical", "absolute"]

REFERENCE = (
    "IOC, SCOR and IAPSO (2010): The international thermodynamic equation of seawater - 2010 "
    "(TEOS-10), Manual and Guides No. 56, UNESCO; computed with the Gibbs SeaWater (GSW) "
    "Oceanographic Toolbox (Python gsw)"
)
MLD_THRESHOLD = 0.03
"""kg m⁻³ above σ0 at the reference depth: de Boyer Montégut et al. (2004)."""
MLD_REFERENCE_DEPTH = 10.0
"""m."""


def pressure(depth: Array, lat: Array) -> Array:
    """Sea pressure (dbar) at ``depth`` (m, positive down) and latitude."""
    return np.asarray(gsw.p_from_z(-np.asarray(depth, dtype=np.float64), lat))


def absolute_salinity(
    salinity: Array, kind: SalinityKind, p: Array, lon: Array, lat: Array
) -> Array:
    """Absolute Salinity SA (g/kg) from practical salinity (or SA itself)."""
    if kind == "absolute":
        return np.asarray(salinity, dtype=np.float64)
    return np.asarray(gsw.SA_from_SP(salinity, p, lon, lat))


def conservative_temperature(
    sa: Array, temperature: Array, kind: TemperatureKind, p: Array
) -> Array:
    """Conservative Temperature CT (°C) from potential (θ, p_ref 0), in-situ or CT itself."""
    if kind == "potential":
        return np.asarray(gsw.CT_from_pt(sa, temperature))
    if kind == "in_situ":
        return np.asarray(gsw.CT_from_t(sa, temperature, p))
    return np.asarray(temperature, dtype=np.float64)


def density(sa: Array, ct: Array, p: Array) -> Array:
    """In-situ density ρ (kg m⁻³)."""
    return np.asarray(gsw.rho(sa, ct, p))


def sigma0(sa: Array, ct: Array) -> Array:
    """Potential density anomaly σ0 = ρ(SA, CT, 0) − 1000 (kg m⁻³)."""
    return np.asarray(gsw.sigma0(sa, ct))


def sound_speed(sa: Array, ct: Array, p: Array) -> Array:
    """Speed of sound in sea water (m s⁻¹)."""
    return np.asarray(gsw.sound_speed(sa, ct, p))


def buoyancy_frequency_squared(sa: Array, ct: Array, p: Array, lat: Array) -> Array:
    """N² (s⁻²) on the levels (depth axis last).

    gsw gives N² between adjacent levels (at mid pressures); each level gets the value
    interpolated linearly in pressure between the mid-points above and below it, the
    shallowest and deepest levels the value of their one neighbouring mid-point. A level with
    no valid neighbour (a single wet level, or dry) is NaN.
    """
    sa, ct, p, lat = np.broadcast_arrays(sa, ct, p, lat)
    if sa.ndim == 0 or sa.shape[-1] < 2:
        return np.full(sa.shape, np.nan)
    n2, p_mid = gsw.Nsquared(sa, ct, p, lat, axis=-1)
    n2 = np.asarray(n2, dtype=np.float64)
    p_mid = np.asarray(p_mid, dtype=np.float64)
    out = np.full(sa.shape, np.nan)
    above, below = n2[..., :-1], n2[..., 1:]  # the mid-points around interior levels
    pa, pb, pk = p_mid[..., :-1], p_mid[..., 1:], p[..., 1:-1]
    weight = np.divide(pk - pa, pb - pa, out=np.zeros_like(pk), where=pb != pa)
    interior = above + (below - above) * weight
    out[..., 1:-1] = np.where(np.isnan(below), above, np.where(np.isnan(above), below, interior))
    out[..., 0] = n2[..., 0]
    out[..., -1] = n2[..., -1]
    return out


def mixed_layer_depth(sig0: Array, depths: Array) -> Array:
    """Mixed layer depth (m) of each column of σ0 (depth axis last, ``depths`` shared, m).

    The depth where σ0 first exceeds its value at 10 m by 0.03 kg m⁻³, interpolated linearly
    between the levels around the crossing (σ0 at 10 m is interpolated between the levels
    around 10 m, or the shallowest level's when that is deeper). A column that never exceeds
    it is mixed to its deepest valid level, which is the answer; a column with no valid value
    at the reference depth is NaN.
    """
    sig0 = np.asarray(sig0, dtype=np.float64)
    depths = np.asarray(depths, dtype=np.float64)
    ref_depth = max(MLD_REFERENCE_DEPTH, float(depths[0]))
    k = int(np.clip(np.searchsorted(depths, ref_depth, side="right") - 1, 0, depths.size - 1))
    if k + 1 < depths.size and depths[k] < ref_depth:
        t = (ref_depth - depths[k]) / (depths[k + 1] - depths[k])
        ref = sig0[..., k] + (sig0[..., k + 1] - sig0[..., k]) * t
    else:
        ref = sig0[..., k]
    target = ref + MLD_THRESHOLD
    deeper = depths > ref_depth
    exceeds = (sig0 > target[..., None]) & deeper
    found = exceeds.any(axis=-1)
    j = np.argmax(exceeds, axis=-1)
    # The point above the crossing: the level above j, or the reference point itself.
    prev = np.maximum(j - 1, 0)
    prev_depth = depths[prev]
    prev_sig = np.take_along_axis(sig0, prev[..., None], axis=-1)[..., 0]
    use_ref = ~deeper[prev]
    prev_depth = np.where(use_ref, ref_depth, prev_depth)
    prev_sig = np.where(use_ref, ref, prev_sig)
    next_sig = np.take_along_axis(sig0, j[..., None], axis=-1)[..., 0]
    t = np.divide(
        target - prev_sig,
        next_sig - prev_sig,
        out=np.ones_like(target),
        where=next_sig != prev_sig,
    )
    crossing = prev_depth + (depths[j] - prev_depth) * t
    valid = np.isfinite(sig0)
    deepest = np.where(
        valid.any(axis=-1),
        depths[valid.shape[-1] - 1 - np.argmax(valid[..., ::-1], axis=-1)],
        np.nan,
    )
    mld = np.where(found, crossing, deepest)
    return np.where(np.isfinite(ref), mld, np.nan)
