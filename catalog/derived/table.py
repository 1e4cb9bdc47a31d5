"""The derived variables: what each is, in which units, and how it is computed from a column.

One row per variable. ``compute`` takes the TEOS-10 state of the selected cells (``State``)
and answers the values; ``column`` rows need the whole water column (N², the mixed layer
depth), ``levels`` says whether the answer keeps the depth levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import catalog.derived.teos10 as teos10
from catalog.derived.teos10 import Array, SalinityKind, TemperatureKind


@dataclass
class State:
    """The inputs of the selected cells, broadcast to one shape (depth axis last for columns),
    and what TEOS-10 makes of them, each computed once when first asked for."""

    temperature: Array
    temperature_kind: TemperatureKind
    salinity: Array
    salinity_kind: SalinityKind
    depth: Array
    lon: Array
    lat: Array
    levels: Array
    """The column's depth levels (m), for the functions along it."""

    @cached_property
    def p(self) -> Array:
        return teos10.pressure(self.depth, self.lat)

    @cached_property
    def sa(self) -> Array:
        return teos10.absolute_salinity(
            self.salinity, self.salinity_kind, self.p, self.lon, self.lat
        )

    @cached_property
    def ct(self) -> Array:
        return teos10.conservative_temperature(
            self.sa, self.temperature, self.temperature_kind, self.p
        )


@dataclass(frozen=True)
class Derived:
    """One derived variable."""

    id: str
    name: str
    """Short display name (plots' axis labels, pickers)."""
    long_name: str
    standard_name: str
    units: str
    colormap: str
    method: str
    compute: Callable[[State], Array]
    column: bool = False
    """Needs every level of the column at once."""
    levels: bool = True
    """The answer has the inputs' depth levels (else one value per column)."""


def _mld(s: State) -> Array:
    return teos10.mixed_layer_depth(teos10.sigma0(s.sa, s.ct), s.levels)


_CHAIN = "p = p_from_z(-depth, lat); SA = SA_from_SP(SP, p, lon, lat); CT = CT_from_pt(SA, θ)"
_CHAIN += " (CT_from_t(SA, t, p) for in-situ temperature)"

DERIVED: dict[str, Derived] = {
    d.id: d
    for d in (
        Derived(
            "absolute_salinity",
            "Absolute Salinity",
            "Absolute Salinity (TEOS-10)",
            "sea_water_absolute_salinity",
            "g kg-1",
            "haline",
            "SA = gsw.SA_from_SP(SP, p, lon, lat), p = gsw.p_from_z(-depth, lat)",
            lambda s: s.sa,
        ),
        Derived(
            "conservative_temperature",
            "Conservative Temperature",
            "Conservative Temperature (TEOS-10)",
            "sea_water_conservative_temperature",
            "degC",
            "thermal",
            "CT = gsw.CT_from_pt(SA, θ) for potential temperature, gsw.CT_from_t(SA, t, p) "
            "for in-situ temperature",
            lambda s: s.ct,
        ),
        Derived(
            "density",
            "In-situ density",
            "In-situ density (TEOS-10)",
            "sea_water_density",
            "kg m-3",
            "dense",
            f"ρ = gsw.rho(SA, CT, p); {_CHAIN}",
            lambda s: teos10.density(s.sa, s.ct, s.p),
        ),
        Derived(
            "sigma0",
            "Potential density anomaly σ0",
            "Potential density anomaly σ0, reference pressure 0 dbar (TEOS-10)",
            "sea_water_sigma_theta",
            "kg m-3",
            "dense",
            f"σ0 = gsw.sigma0(SA, CT) = ρ(SA, CT, 0) - 1000 kg m-3; {_CHAIN}",
            lambda s: teos10.sigma0(s.sa, s.ct),
        ),
        Derived(
            "sound_speed",
            "Sound speed",
            "Speed of sound in sea water (TEOS-10)",
            "speed_of_sound_in_sea_water",
            "m s-1",
            "speed",
            f"c = gsw.sound_speed(SA, CT, p); {_CHAIN}",
            lambda s: teos10.sound_speed(s.sa, s.ct, s.p),
        ),
        Derived(
            "buoyancy_frequency_squared",
            "Buoyancy frequency squared N²",
            "Squared buoyancy (Brunt-Väisälä) frequency N² (TEOS-10)",
            "square_of_brunt_vaisala_frequency_in_sea_water",
            "s-2",
            "amp",
            "gsw.Nsquared(SA, CT, p, lat) between adjacent levels, interpolated linearly in "
            f"pressure back onto the levels (end levels: their one neighbour); {_CHAIN}",
            lambda s: teos10.buoyancy_frequency_squared(s.sa, s.ct, s.p, s.lat),
            column=True,
        ),
        Derived(
            "mixed_layer_depth",
            "Mixed layer depth",
            "Mixed layer depth, σ0 threshold 0.03 kg m-3 from 10 m (TEOS-10)",
            "ocean_mixed_layer_thickness_defined_by_sigma_theta",
            "m",
            "deep",
            "The depth where σ0 first exceeds σ0 at 10 m by 0.03 kg m-3 (de Boyer Montégut et "
            "al., 2004, doi:10.1029/2004JC002378), interpolated linearly between levels; the "
            f"deepest valid level where it never does; σ0 = gsw.sigma0(SA, CT); {_CHAIN}",
            _mld,
            column=True,
            levels=False,
        ),
    )
}
