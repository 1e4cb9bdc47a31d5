"""Observation collections (Argo floats): their listing, profiles as GeoJSON, one profile's
levels, platforms and tracks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.datasets import TimeExtent
from schemas.origin import EXAMPLE_ORIGIN

_BASE = f"{EXAMPLE_ORIGIN}/api/v1/datasets/argo-5900865"


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class CollectionLinks(BaseModel):
    """Where a collection's profiles and platforms are."""

    model_config = _examples(
        {"observations": f"{_BASE}/observations", "platforms": f"{_BASE}/platforms"}
    )

    observations: str = Field(description="Its profiles (GeoJSON, searched and paged).")
    platforms: str = Field(description="Its platforms (floats) and their tracks.")


SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": "argo-5900865",
    "title": "Argo float 5900865, eastern Indian Ocean (2005-2007)",
    "attribution": "International Argo Program",
    "kind": "argo",
    "available": True,
    "unavailable_reason": None,
    "bbox": [107.48, -13.709, 116.328, -9.093],
    "time_extent": {"start": "2005-08-28T06:28:07Z", "end": "2007-10-27T06:41:18Z", "count": 80},
    "profile_count": 80,
    "platform_count": 1,
    "feature_types": ["profile"],
    "links": CollectionLinks.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
}


class CollectionSummary(BaseModel):
    """An observation collection: what, where, when, how many, and whether it is served now."""

    model_config = _examples(SUMMARY_EXAMPLE)

    id: str = Field(description="Collection id, used in URLs.")
    title: str = Field(description="Human-readable title.")
    attribution: str = Field(description="Credit line to show with the data.")
    kind: Literal["argo", "dsg"] = Field(
        description="What the files are: Argo profile files, or CF discrete sampling geometry "
        "files (dsg)."
    )
    available: bool = Field(description="False when its files cannot be indexed now (503s).")
    unavailable_reason: str | None = Field(description="Why not, when unavailable.")
    bbox: list[float] | None = Field(
        default=None, description="[west, south, east, north] of the profiles' positions."
    )
    time_extent: TimeExtent | None = Field(default=None, description="First and last profile.")
    profile_count: int | None = Field(default=None, description="Profiles in the collection.")
    platform_count: int | None = Field(default=None, description="Platforms (floats).")
    feature_types: list[str] | None = Field(
        default=None,
        description="The CF feature types it holds, sorted: profile (Argo, CF profile and "
        "trajectoryProfile files), timeSeries, trajectory. Plots and EDR take profiles.",
    )
    links: CollectionLinks = Field(description="Its profiles and platforms.")


class CollectionList(BaseModel):
    """Every observation collection of the catalog."""

    model_config = _examples({"collections": [SUMMARY_EXAMPLE]})

    collections: list[CollectionSummary] = Field(description="The collections, available or not.")


class Point(BaseModel):
    """A GeoJSON Point: [longitude, latitude]."""

    model_config = _examples({"type": "Point", "coordinates": [115.852, -9.768]})

    type: Literal["Point"] = Field(description="GeoJSON geometry type.")
    coordinates: list[float] = Field(
        min_length=2, max_length=2, description="[longitude, latitude] in degrees (WGS 84)."
    )


PROFILE_PROPERTIES_EXAMPLE: dict[str, Any] = {
    "profile_id": "5900865_001",
    "platform": "5900865",
    "cycle": 1,
    "direction": "A",
    "time": "2005-08-28T06:28:07Z",
    "data_mode": "D",
    "position_qc": "1",
    "time_qc": "1",
    "levels": 71,
    "href": f"{_BASE}/observations/5900865_001",
    "feature_type": "profile",
    "time_end": "2005-08-28T06:28:07Z",
}


class ProfileProperties(BaseModel):
    """What a profile is, without its levels."""

    model_config = _examples(PROFILE_PROPERTIES_EXAMPLE)

    profile_id: str = Field(description="Profile id: platform_cycle, with D for a descent.")
    platform: str = Field(description="Platform (float WMO number).")
    cycle: int = Field(description="Cycle number (-1 when the file has none).")
    direction: str = Field(description="A: ascending, D: descending.")
    time: datetime | None = Field(description="Time of the profile (UTC); null when flagged bad.")
    data_mode: str = Field(description="R real time, A adjusted, D delayed mode.")
    position_qc: str = Field(description="Argo QC flag of the position.")
    time_qc: str = Field(description="Argo QC flag of the time.")
    levels: int = Field(
        description="Levels with a pressure (a time series' or trajectory's: samples)."
    )
    href: str = Field(description="The profile's levels.")
    feature_type: Literal["profile", "timeSeries", "trajectory"] = Field(
        default="profile",
        description="What the feature is: a profile (Argo, CF profile or trajectoryProfile), or "
        "a CF timeSeries (a station) or trajectory (a drifter), listed at its first time and "
        "position with its time range; only a profile's levels are served.",
    )
    time_end: datetime | None = Field(
        default=None,
        description="Its last time (UTC): a profile's own time, a time series' or trajectory's "
        "last sample's.",
    )


class ProfileFeature(BaseModel):
    """A profile as a GeoJSON Feature at its position."""

    model_config = _examples(
        {
            "type": "Feature",
            "id": "5900865_001",
            "geometry": Point.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
            "properties": PROFILE_PROPERTIES_EXAMPLE,
        }
    )

    type: Literal["Feature"] = Field(description="GeoJSON object type.")
    id: str = Field(description="The profile id.")
    geometry: Point | None = Field(description="Its position; null when flagged bad.")
    properties: ProfileProperties = Field(description="What it is.")


class PageLink(BaseModel):
    """A link to a related page."""

    model_config = _examples(
        {
            "href": f"{_BASE}/observations?offset=100&limit=100",
            "rel": "next",
            "type": "application/geo+json",
        }
    )

    href: str = Field(description="The URL.")
    rel: Literal["self", "next", "prev"] = Field(description="How it relates to this page.")
    type: str = Field(description="Its media type.")


class ProfileCollection(BaseModel):
    """Profiles found, as a GeoJSON FeatureCollection, one page of them (OGC API paging)."""

    model_config = _examples(
        {
            "type": "FeatureCollection",
            "features": [ProfileFeature.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
            "numberMatched": 80,
            "numberReturned": 1,
            "links": [
                {
                    "href": f"{_BASE}/observations?limit=1",
                    "rel": "self",
                    "type": "application/geo+json",
                },
                {
                    "href": f"{_BASE}/observations?limit=1&offset=1",
                    "rel": "next",
                    "type": "application/geo+json",
                },
            ],
        }
    )

    type: Literal["FeatureCollection"] = Field(description="GeoJSON object type.")
    features: list[ProfileFeature] = Field(description="The profiles of this page, by time.")
    numberMatched: int = Field(description="Profiles matching the search, on every page.")  # noqa: N815
    numberReturned: int = Field(description="Profiles on this page.")  # noqa: N815
    links: list[PageLink] = Field(description="This page, and the next and previous ones.")


class ProfileData(BaseModel):
    """One profile's levels: pressure, depth, temperature and salinity with their QC flags."""

    model_config = _examples(
        {
            **{
                k: v
                for k, v in PROFILE_PROPERTIES_EXAMPLE.items()
                if k not in ("href", "levels", "feature_type", "time_end")
            },
            "lon": 115.852,
            "lat": -9.768,
            "qc": "good",
            "adjusted": True,
            "units": {"pressure": "dbar", "depth": "m", "temperature": "degC", "salinity": "1"},
            "pressure": [9.5, 19.6],
            "depth": [9.446, 19.488],
            "temperature": [26.506, 26.336],
            "salinity": [34.129, 34.128],
            "pressure_qc": ["1", "1"],
            "temperature_qc": ["1", "1"],
            "salinity_qc": ["1", "1"],
        }
    )

    profile_id: str = Field(description="Profile id.")
    platform: str = Field(description="Platform (float WMO number).")
    cycle: int = Field(description="Cycle number.")
    direction: str = Field(description="A: ascending, D: descending.")
    time: datetime | None = Field(description="Time of the profile (UTC).")
    lon: float | None = Field(description="Longitude, degrees east.")
    lat: float | None = Field(description="Latitude, degrees north.")
    data_mode: str = Field(description="R real time, A adjusted, D delayed mode.")
    position_qc: str = Field(description="Argo QC flag of the position.")
    time_qc: str = Field(description="Argo QC flag of the time.")
    qc: Literal["good", "all"] = Field(description="The QC filter applied (the `qc` asked).")
    adjusted: bool = Field(
        description="Whether the values are the *_ADJUSTED ones (data mode A or D) or raw (R)."
    )
    units: dict[str, str] = Field(description="Units of each array.")
    pressure: list[float | None] = Field(description="Sea pressure per level (dbar).")
    depth: list[float | None] = Field(description="Depth per level (m, positive down, gsw).")
    temperature: list[float | None] = Field(description="In-situ temperature (°C, ITS-90).")
    salinity: list[float | None] = Field(
        description="Practical salinity (PSS-78, dimensionless: units 1, as CF has it)."
    )
    pressure_qc: list[str] = Field(description="Argo QC flag of each pressure.")
    temperature_qc: list[str] = Field(description="Argo QC flag of each temperature.")
    salinity_qc: list[str] = Field(description="Argo QC flag of each salinity.")


PLATFORM_EXAMPLE: dict[str, Any] = {
    "platform": "5900865",
    "profile_count": 80,
    "first": "2005-08-28T06:28:07Z",
    "last": "2007-10-27T06:41:18Z",
    "data_modes": ["D"],
    "href": f"{_BASE}/platforms/5900865",
}


class Platform(BaseModel):
    """A platform (float) of a collection."""

    model_config = _examples(PLATFORM_EXAMPLE)

    platform: str = Field(description="Platform (float WMO number).")
    profile_count: int = Field(description="Its profiles.")
    first: datetime | None = Field(description="Its first profile's time (UTC).")
    last: datetime | None = Field(description="Its last profile's time (UTC).")
    data_modes: list[str] = Field(description="The data modes of its profiles.")
    href: str = Field(description="The platform and its track.")


class PlatformList(BaseModel):
    """The platforms of a collection."""

    model_config = _examples({"platforms": [PLATFORM_EXAMPLE]})

    platforms: list[Platform] = Field(description="Every platform, sorted by id.")


class MultiLineString(BaseModel):
    """A GeoJSON MultiLineString: lines of [longitude, latitude] points."""

    model_config = _examples(
        {"type": "MultiLineString", "coordinates": [[[115.852, -9.768], [115.599, -9.308]]]}
    )

    type: Literal["MultiLineString"] = Field(description="GeoJSON geometry type.")
    coordinates: list[list[list[float]]] = Field(
        description="The track in time order, split where it crosses the antimeridian (each "
        "piece ends and the next starts on ±180° at the latitude interpolated there)."
    )


class PlatformTrack(Platform):
    """A platform with its track."""

    model_config = _examples(
        {
            **PLATFORM_EXAMPLE,
            "track": {
                "type": "MultiLineString",
                "coordinates": [[[115.852, -9.768], [115.599, -9.308]]],
            },
        }
    )

    track: MultiLineString = Field(description="Its positions in time order, as lines.")


SERIES_EXAMPLE: dict[str, Any] = {  # the bundled ersst-series drifter's first two days
    "feature_type": "trajectory",
    "id": "drifter-165E",
    "platform": "drifter-165E",
    "qc": "good",
    "samples": 2,
    "times": ["2015-01-01T00:00:00Z", "2015-01-02T00:00:00Z"],
    "lon": [165.0, 165.1],
    "lat": [35.0, 35.157008],
    "time_qc": None,
    "position_qc": None,
    "variables": {
        "sst": {
            "standard_name": "sea_surface_temperature",
            "units": "degC",
            "values": [15.973624, 15.973624],
            "qc": None,
        },
    },
}


class SeriesVariable(BaseModel):
    """One variable's values at a time series' or trajectory's samples, with their flags."""

    model_config = _examples(SERIES_EXAMPLE["variables"]["sst"])

    standard_name: str = Field(description="Its CF standard name.")
    units: str = Field(description="Its units (temperature °C, salinity 1, else the file's).")
    values: list[float | None] = Field(description="One value per sample; null where missing.")
    qc: list[str] | None = Field(
        description="Each value's flag (its flag variable's value as text); null without one."
    )


class FeatureSeries(BaseModel):
    """A CF timeSeries (a station) or trajectory (a drifter): its samples in time order."""

    model_config = _examples(SERIES_EXAMPLE)

    feature_type: Literal["timeSeries", "trajectory"] = Field(description="What the feature is.")
    id: str = Field(description="The feature id, as listed.")
    platform: str = Field(description="Its platform.")
    qc: Literal["good", "all"] = Field(description="The QC filter applied (the `qc` asked).")
    samples: int = Field(description="How many samples (the length of every array).")
    times: list[datetime] = Field(description="Each sample's time (UTC), ascending.")
    lon: float | list[float | None] | None = Field(
        description="Longitude (degrees east): the station's (a number) for a timeSeries, each "
        "sample's (an array) for a trajectory; null where flagged bad."
    )
    lat: float | list[float | None] | None = Field(
        description="Latitude (degrees north), as `lon`."
    )
    time_qc: list[str] | None = Field(
        description="Each sample's time flag; null when the file has no time flags."
    )
    position_qc: str | list[str] | None = Field(
        description="The position's flag (per sample for a trajectory); null without flags."
    )
    variables: dict[str, SeriesVariable] = Field(
        description="pressure and depth (dbar, m; each from the other with gsw) when the feature "
        "has a vertical coordinate, temperature (in situ, °C) and salinity (practical) when "
        "there, then every other numeric data variable with a standard name, by its name."
    )
