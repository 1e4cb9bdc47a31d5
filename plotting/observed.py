"""What the plot types that draw an observation collection share: the context a worker gives
them, the parameters that choose profiles (as ``/observations`` takes them), the profiles
chosen and read, and the two variables measured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from matplotlib.axis import Axis
from matplotlib.dates import AutoDateLocator, DateFormatter, MonthLocator, YearLocator
from matplotlib.figure import Figure
from pydantic import Field

from catalog.errors import InvalidParameters
from catalog.observations import argo, index
from catalog.observations.collection import ObservationCollection
from plotting.figure import annotate
from plotting.labels import time_label, with_units
from schemas import params, patterns


@dataclass(frozen=True)
class ObservationContext:
    """What a render function drawing an observation collection gets besides its parameters."""

    collection: ObservationCollection
    max_values: int


@dataclass(frozen=True)
class Measured:
    """A variable of every profile: how it is named, labelled and coloured."""

    name: str
    title: str
    units: str
    standard_name: str
    colormap: str

    @property
    def label(self) -> str:
        """'Temperature (°C)'."""
        return with_units(self.title, self.units, self.standard_name)

    def values(self, profile: argo.Profile) -> np.ndarray:
        """The profile's values of this variable."""
        values: np.ndarray = getattr(profile, self.name)
        return values

    def flags(self, profile: argo.Profile) -> np.ndarray:
        """The profile's QC flags of this variable."""
        flags: np.ndarray = getattr(profile, f"{self.name}_qc")
        return flags


MEASURED = {
    "temperature": Measured(
        "temperature", "Temperature", "degC", "sea_water_temperature", "thermal"
    ),
    "salinity": Measured(
        "salinity", "Practical salinity", "1", "sea_water_practical_salinity", "haline"
    ),
}
CROSS = "\u00d7"
"""The mark of a flagged value."""
MeasuredName = Literal["temperature", "salinity"]
Vertical = Literal["pressure", "depth"]
VERTICAL_LABELS = {"pressure": "Pressure (dbar)", "depth": "Depth (m)"}

ProfileIds = Annotated[
    list[Annotated[str, Field(pattern=patterns.NAME, max_length=64)]],
    Field(
        default_factory=list,
        max_length=100,
        description="Profile ids as `GET …/observations` lists them (repeat for several); or "
        "give `platform` (with `start`/`end`) instead.",
        examples=[["5900865_034"]],
    ),
]
Platform = Annotated[
    str | None,
    Field(
        description="Platform (float WMO number): its profiles between `start` and `end`.",
        pattern=patterns.NAME,
        max_length=64,
        examples=["5900865"],
    ),
]
ObsStart = Annotated[
    params.InstantParam | None,
    Field(description="Profiles at or after this instant (ISO 8601).", examples=["2006-01-01"]),
]
ObsEnd = Annotated[
    params.InstantParam | None,
    Field(description="Profiles at or before this instant (ISO 8601).", examples=["2006-12-31"]),
]
QCParam = Annotated[
    argo.QC,
    Field(
        description="'good' (the default): values flagged other than 1, 2, 5 or 8 are left "
        "out; 'all': they are drawn too, marked " + CROSS + " in red, their flags in the legend.",
        examples=["all"],
    ),
]
MeasuredParam = Annotated[
    MeasuredName,
    Field(
        description="What is drawn: 'temperature' (in-situ, °C) or 'salinity' (practical, "
        "PSS-78), the adjusted values where the profile's data mode is A or D.",
        examples=["temperature"],
    ),
]
VerticalParam = Annotated[
    Vertical,
    Field(
        description="The vertical axis: 'pressure' (dbar, as measured) or 'depth' (m, from "
        "pressure and latitude with gsw.z_from_p).",
        examples=["pressure"],
    ),
]


def choose(
    collection: ObservationCollection,
    profile_ids: Sequence[str],
    platform: str | None,
    start: params.Instant | None,
    end: params.Instant | None,
    cap: int,
) -> pd.DataFrame:
    """The index rows of the profiles named, else of the platform's between start and end, in
    time order: at most ``cap`` (a 400 naming the parameter otherwise, or when none)."""
    table = collection.table
    if profile_ids:
        if platform is not None or start is not None or end is not None:
            name = "platform" if platform is not None else "start" if start is not None else "end"
            raise InvalidParameters.single(
                name, "give profile_id, or platform with start/end; not both"
            )
        unknown = [pid for pid in profile_ids if pid not in collection.by_id]
        if unknown:
            some = list(collection.by_id)[:3]
            raise InvalidParameters.single(
                "profile_id",
                f"'{collection.id}' has no profile {', '.join(repr(u) for u in unknown)}; its "
                f"ids look like {', '.join(some)} (GET …/observations lists them)",
            )
        rows = sorted({collection.by_id[pid] for pid in profile_ids})
        chosen = table.iloc[rows]
        if len(chosen) > cap:
            raise InvalidParameters.single("profile_id", f"at most {cap} profiles in one plot")
        return chosen
    if platform is None:
        raise InvalidParameters.single(
            "profile_id", "give profile_id (repeat for several), or a platform"
        )
    platform_param(collection, platform)
    chosen = index.search(table, start=start, end=end, platform=platform)
    if chosen.empty:
        raise InvalidParameters.single(
            "start" if start is not None else "end",
            f"platform {platform} has no profile between {_when(start)} and {_when(end)}; its "
            f"profiles are {span(table.loc[table['platform'] == platform])}",
        )
    if len(chosen) > cap:
        raise InvalidParameters.single(
            "end",
            f"platform {platform} has {len(chosen)} profiles between {_when(start)} and "
            f"{_when(end)} ({span(chosen)}); at most {cap} in one plot: narrow start/end",
        )
    return chosen


def platform_param(collection: ObservationCollection, platform: str) -> None:
    """A 400 naming ``platform`` unless the collection has it."""
    if platform not in collection.platform_summary.index:
        raise InvalidParameters.single(
            "platform",
            f"'{collection.id}' has no platform '{platform}'; its platforms: "
            + ", ".join(collection.platforms[:10])
            + (" …" if len(collection.platforms) > 10 else ""),
        )


def _when(instant: params.Instant | None) -> str:
    return "the first" if instant is None else time_label(instant, "minute")


def span(rows: pd.DataFrame) -> str:
    """'2005-08-28 to 2007-10-27': the first and last day of the rows' times."""
    times = rows["time"].dropna()
    if times.empty:
        return "without a time"
    first, last = (time_label(t, "day") for t in (times.min(), times.max()))
    return first if first == last else f"{first} to {last}"


def read(collection: ObservationCollection, rows: pd.DataFrame, qc: argo.QC) -> list[argo.Profile]:
    """The rows' profiles (rows of the collection's table), read from their files by the
    collection's own reader (Argo or CF DSG; each file opened once), in the rows' order."""
    return collection.profiles(rows.index.tolist(), qc)


def naive_times(rows: pd.DataFrame) -> np.ndarray:
    """The rows' times as naive UTC datetime64[ns] (what matplotlib's dates take)."""
    times = pd.DatetimeIndex(rows["time"])
    return np.asarray(times.tz_convert("UTC").tz_localize(None), dtype="datetime64[ns]")


def profile_name(profile: argo.Profile) -> str:
    """'5900865_034 · 2006-07-05'."""
    when = time_label(profile.time, "day") if not pd.isna(profile.time) else "no time"
    return f"{profile.profile_id} · {when}"


def finish(fig: Figure, title: str, collection: ObservationCollection, what: str) -> Figure:
    """Title, the collection and what was drawn, and its credit line."""
    annotate(fig, title, collection.entry.title, what, collection.entry.attribution)
    return fig


def date_ticks(axis: Axis, days: float) -> None:
    """Dates on a colour bar, every label whole: years over 18 months ('2006'), else months
    ('2006-05'), days ('2006-05-14') or hours ('05-14 06:00')."""
    if days > 540:  # short labels: the bar's tick labels take the plot's width
        axis.set_major_locator(YearLocator())  # type: ignore[no-untyped-call]
        axis.set_major_formatter(DateFormatter("%Y"))  # type: ignore[no-untyped-call]
        axis.set_minor_locator(MonthLocator((4, 7, 10)))  # type: ignore[no-untyped-call]
        return
    fmt = "%Y-%m" if days > 90 else "%Y-%m-%d" if days > 3 else "%m-%d %H:%M"
    axis.set_major_locator(AutoDateLocator(minticks=3, maxticks=8))  # type: ignore[no-untyped-call]
    axis.set_major_formatter(DateFormatter(fmt))  # type: ignore[no-untyped-call]
