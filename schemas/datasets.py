"""Response models of the dataset metadata endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GridKindName = Literal["regular", "curvilinear", "mixed"]

_ERSST_BBOX = [-180.0, -88.0, 180.0, 88.0]


class Links(BaseModel):
    """Related resources, as absolute URLs."""

    self: str = Field(examples=["http://127.0.0.1:8000/api/v1/datasets/ersst-v5"])
    variables: str | None = None
    times: str | None = None
    depths: str | None = None


class TimeExtent(BaseModel):
    """First and last time instant, and how many there are."""

    start: datetime = Field(description="First instant (UTC).", examples=["2010-01-01T00:00:00Z"])
    end: datetime = Field(description="Last instant (UTC).", examples=["2020-08-01T00:00:00Z"])
    count: int = Field(description="Number of time steps.", ge=0, examples=[128])


class DatasetSummary(BaseModel):
    """What a dataset is, where and when it covers, and whether it can be served now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "ersst-v5",
                    "title": "NOAA ERSST v5 global monthly sea surface temperature",
                    "attribution": "NOAA/NESDIS/NCEI ERSST v5",
                    "available": True,
                    "unavailable_reason": None,
                    "grid_kind": "regular",
                    "bbox": [-180.0, -88.0, 180.0, 88.0],
                    "time_extent": {
                        "start": "2010-01-01T00:00:00Z",
                        "end": "2020-08-01T00:00:00Z",
                        "count": 128,
                    },
                    "has_depth": False,
                    "links": {"self": "http://127.0.0.1:8000/api/v1/datasets/ersst-v5"},
                }
            ]
        }
    )

    id: str = Field(description="Dataset id, used in URLs.", examples=["ersst-v5"])
    title: str = Field(description="Human-readable title.")
    attribution: str = Field(description="Credit line to show with the data.")
    available: bool = Field(description="False when the source cannot be read now (503s).")
    unavailable_reason: str | None = Field(
        default=None, description="Why the dataset is unavailable, when it is."
    )
    grid_kind: GridKindName | None = Field(
        default=None,
        description="'regular' (1-D lat/lon), 'curvilinear' (2-D lat/lon) or 'mixed'. "
        "Null when unavailable.",
    )
    bbox: list[float] | None = Field(
        default=None,
        min_length=4,
        max_length=4,
        description="[west, south, east, north] of the cell centres, longitudes in -180..180; "
        "west > east when the data cross the antimeridian. Null when unavailable.",
        examples=[_ERSST_BBOX],
    )
    time_extent: TimeExtent | None = Field(
        default=None,
        description="Time coverage; null when the data have no time or are unavailable.",
    )
    has_depth: bool | None = Field(
        default=None, description="Whether any variable has depth levels; null when unavailable."
    )
    links: Links


class DatasetList(BaseModel):
    """Every dataset of the catalog, in catalog order."""

    datasets: list[DatasetSummary]


class Variable(BaseModel):
    """One variable of a dataset."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "uo",
                    "name": "Eastward current",
                    "long_name": "Eastward velocity",
                    "standard_name": "eastward_sea_water_velocity",
                    "units": "m s-1",
                    "dimensions": ["depth", "latitude", "longitude"],
                    "grid_kind": "regular",
                    "has_time": True,
                    "has_depth": True,
                    "valid_range": None,
                    "vector": {"id": "current", "partner": "vo", "component": "x"},
                    "colormap": "balance",
                    "scale": None,
                }
            ]
        }
    )

    id: str = Field(description="Variable id, used in URLs and queries.", examples=["sst"])
    name: str = Field(description="Display name.", examples=["Sea surface temperature"])
    long_name: str | None = Field(description="The file's long_name attribute.")
    standard_name: str | None = Field(description="CF standard name, if the file gives one.")
    units: str | None = Field(description="Units in UDUNITS spelling.", examples=["degC"])
    dimensions: list[str] = Field(description="Dimension names, in storage order.")
    grid_kind: Literal["regular", "curvilinear"]
    has_time: bool = Field(description="Whether the variable has a time (a scalar time counts).")
    has_depth: bool = Field(description="Whether the variable has depth levels.")
    valid_range: list[float] | None = Field(
        default=None, min_length=2, max_length=2, description="[min, max] valid values, if known."
    )
    vector: VectorMembership | None = Field(
        default=None, description="The vector pair this variable is a component of, if any."
    )
    colormap: str | None = Field(default=None, description="Default colormap for plots.")
    scale: list[float] | None = Field(
        default=None, min_length=2, max_length=2, description="Default colour scale [min, max]."
    )


class VectorMembership(BaseModel):
    """A variable's place in a vector pair."""

    id: str = Field(description="Id of the vector pair.", examples=["current"])
    partner: str = Field(description="The other component's variable id.", examples=["vo"])
    component: Literal["x", "y"] = Field(
        description="x: eastward or grid-x; y: northward or grid-y."
    )


class VectorPairInfo(BaseModel):
    """A vector quantity made of two variables."""

    id: str = Field(examples=["current"])
    title: str = Field(examples=["Sea water velocity"])
    x: str = Field(description="Eastward (or grid-x) component.", examples=["uo"])
    y: str = Field(description="Northward (or grid-y) component.", examples=["vo"])
    frame: Literal["earth", "grid"] = Field(
        description="'earth': east/north components; 'grid': along the grid axes (rotated by "
        "the service to east/north on request)."
    )


class VariableList(BaseModel):
    """The variables of a dataset."""

    dataset_id: str
    variables: list[Variable]


class TimeInfo(BaseModel):
    """Summary of the time axis; the instants themselves are at .../times."""

    count: int = Field(ge=0, examples=[128])
    first: datetime = Field(examples=["2010-01-01T00:00:00Z"])
    last: datetime = Field(examples=["2020-08-01T00:00:00Z"])


class DatasetDetail(DatasetSummary):
    """Everything about a dataset: summary, licence, variables, time and depth axes."""

    summary: str = Field(description="A paragraph on what the data are.")
    licence: str = Field(description="Terms of use.")
    variables: list[Variable] = Field(default_factory=list)
    vectors: list[VectorPairInfo] = Field(default_factory=list)
    time: TimeInfo | None = Field(default=None, description="Null when the data have no time.")
    depths: list[float] | None = Field(
        default=None, description="Depth levels in metres, positive down; null without depth."
    )


class TimesPage(BaseModel):
    """One page of a dataset's time instants."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dataset_id": "ersst-v5",
                    "total": 128,
                    "offset": 0,
                    "limit": 2,
                    "times": ["2010-01-01T00:00:00Z", "2010-02-01T00:00:00Z"],
                    "next": "http://127.0.0.1:8000/api/v1/datasets/ersst-v5/times?limit=2&offset=2",
                }
            ]
        }
    )

    dataset_id: str
    total: int = Field(description="Instants matching the start/end filter.", ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)
    times: list[datetime] = Field(description="ISO 8601 UTC instants, ascending.")
    next: str | None = Field(description="URL of the next page; null on the last page.")


class Depths(BaseModel):
    """A dataset's depth levels."""

    dataset_id: str
    units: Literal["m"] = "m"
    positive: Literal["down"] = "down"
    levels: list[float] = Field(
        description="Depth levels in metres, positive down, ascending; empty without depth.",
        examples=[[6.054, 24.851, 91.921, 376.4, 1409.6, 3840.3]],
    )


class Health(BaseModel):
    """Liveness and readiness."""

    status: Literal["ok", "ready"] = Field(examples=["ready"])
    datasets_available: int | None = Field(default=None, examples=[4])
    datasets_unavailable: int | None = Field(default=None, examples=[0])


Variable.model_rebuild()
