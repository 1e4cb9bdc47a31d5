"""Response models of the dataset metadata endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.origin import EXAMPLE_ORIGIN

GridKindName = Literal["regular", "curvilinear", "ugrid", "mixed"]

_BASE = f"{EXAMPLE_ORIGIN}/api/v1/datasets"

LINKS_EXAMPLE = {
    "self": f"{_BASE}/ersst-v5",
    "variables": f"{_BASE}/ersst-v5/variables",
    "times": f"{_BASE}/ersst-v5/times",
    "depths": f"{_BASE}/ersst-v5/depths",
}
SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": "ersst-v5",
    "title": "NOAA ERSST v5 global monthly sea surface temperature (2010-01 to 2020-08)",
    "attribution": "NOAA/NESDIS/NCEI ERSST v5 (Huang et al., 2017, doi:10.1175/JCLI-D-16-0836.1)",
    "available": True,
    "unavailable_reason": None,
    "grid_kind": "regular",
    "bbox": [-180.0, -88.0, 180.0, 88.0],
    "time_extent": {"start": "2010-01-01T00:00:00Z", "end": "2020-08-01T00:00:00Z", "count": 128},
    "has_depth": False,
    "links": LINKS_EXAMPLE,
}
VARIABLE_EXAMPLE: dict[str, Any] = {
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
    "display_units": None,
    "derived": None,
}
DERIVED_EXAMPLE: dict[str, Any] = {
    "inputs": ["thetao", "so"],
    "method": "σ0 = gsw.sigma0(SA, CT) = ρ(SA, CT, 0) - 1000 kg m-3; p = p_from_z(-depth, lat); "
    "SA = SA_from_SP(SP, p, lon, lat); CT = CT_from_pt(SA, θ) (CT_from_t(SA, t, p) for in-situ "
    "temperature)",
    "reference": "IOC, SCOR and IAPSO (2010): The international thermodynamic equation of "
    "seawater - 2010 (TEOS-10), Manual and Guides No. 56, UNESCO; computed with the Gibbs "
    "SeaWater (GSW) Oceanographic Toolbox (Python gsw)",
}


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class Links(BaseModel):
    """Related resources, as absolute URLs."""

    model_config = _examples(LINKS_EXAMPLE)

    self: str = Field(description="This dataset.")
    variables: str = Field(description="Its variables.")
    times: str = Field(description="Its time instants.")
    depths: str = Field(description="Its depth levels.")


class TimeExtent(BaseModel):
    """First and last time instant, and how many there are."""

    model_config = _examples(SUMMARY_EXAMPLE["time_extent"])

    start: datetime = Field(description="First instant (UTC).")
    end: datetime = Field(description="Last instant (UTC).")
    count: int = Field(description="Number of time steps.", ge=0)


class DatasetSummary(BaseModel):
    """What a dataset is, where and when it covers, and whether it can be served now."""

    model_config = _examples(SUMMARY_EXAMPLE)

    id: str = Field(description="Dataset id, used in URLs.", examples=["ersst-v5"])
    title: str = Field(description="Human-readable title.")
    attribution: str = Field(description="Credit line to show with the data.")
    available: bool = Field(description="False when the source cannot be read now (503s).")
    unavailable_reason: str | None = Field(
        default=None, description="Why the dataset is unavailable, when it is."
    )
    grid_kind: GridKindName | None = Field(
        default=None,
        description="'regular' (1-D lat/lon), 'curvilinear' (2-D lat/lon), 'ugrid' (a UGRID-1.0 "
        "triangular mesh) or 'mixed'. "
        "Null when unavailable.",
    )
    bbox: list[float] | None = Field(
        default=None,
        min_length=4,
        max_length=4,
        description="[west, south, east, north] of the cell centres, longitudes in -180..180; "
        "west > east when the data cross the antimeridian. Null when unavailable.",
    )
    time_extent: TimeExtent | None = Field(
        default=None, description="Time coverage; null without time or when unavailable."
    )
    has_depth: bool | None = Field(
        default=None, description="Whether any variable has depth levels; null when unavailable."
    )
    links: Links = Field(description="Related resources.")


class DatasetList(BaseModel):
    """Every dataset of the catalog, in catalog order."""

    model_config = _examples({"datasets": [SUMMARY_EXAMPLE]})

    datasets: list[DatasetSummary] = Field(description="The datasets, available or not.")


class VectorMembership(BaseModel):
    """A variable's place in a vector pair."""

    model_config = _examples(VARIABLE_EXAMPLE["vector"])

    id: str = Field(description="Id of the vector pair.")
    partner: str = Field(description="The other component's variable id.")
    component: Literal["x", "y"] = Field(
        description="x: eastward or grid-x; y: northward or grid-y."
    )


class DerivedFrom(BaseModel):
    """How a derived variable is computed (TEOS-10, with gsw) from served variables."""

    model_config = _examples(DERIVED_EXAMPLE)

    inputs: list[str] = Field(
        description="The variables it is computed from (temperature, salinity)."
    )
    method: str = Field(description="The computation, as gsw function calls.")
    reference: str = Field(description="The standard and the software that compute it.")


class Variable(BaseModel):
    """One variable of a dataset."""

    model_config = _examples(VARIABLE_EXAMPLE)

    id: str = Field(description="Variable id, used in URLs and queries.")
    name: str = Field(description="Display name.")
    long_name: str | None = Field(description="The file's long_name attribute.")
    standard_name: str | None = Field(description="CF standard name, if the file gives one.")
    units: str | None = Field(description="Units in UDUNITS spelling.")
    dimensions: list[str] = Field(description="Dimension names, in storage order.")
    grid_kind: Literal["regular", "curvilinear", "ugrid"] = Field(
        description="'regular': 1-D latitude and longitude; 'curvilinear': 2-D; 'ugrid': a "
        "UGRID-1.0 triangular mesh (values on its nodes or faces)."
    )
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
    display_units: str | None = Field(
        default=None,
        description="Units plots show the variable in when the request has no `units` "
        "(UDUNITS); data answers keep `units`.",
        examples=["degC"],
    )
    derived: DerivedFrom | None = Field(
        default=None,
        description="Set on a variable computed on the fly with TEOS-10 (density, sigma0, "
        "sound speed, …) from the dataset's temperature and salinity; such variables are "
        "answered only when named in `variables`.",
    )


class VectorPairInfo(BaseModel):
    """A vector quantity made of two variables."""

    model_config = _examples(
        {"id": "current", "title": "Sea water velocity", "x": "uo", "y": "vo", "frame": "earth"}
    )

    id: str = Field(description="Id of the vector pair.")
    title: str = Field(description="What the vector is.")
    x: str = Field(description="Eastward (or grid-x) component.")
    y: str = Field(description="Northward (or grid-y) component.")
    frame: Literal["earth", "grid"] = Field(
        description="'earth': east/north components; 'grid': along the grid axes (rotated by "
        "the service to east/north on request)."
    )


class VariableList(BaseModel):
    """The variables of a dataset."""

    model_config = _examples({"dataset_id": "glorys", "variables": [VARIABLE_EXAMPLE]})

    dataset_id: str = Field(description="The dataset.")
    variables: list[Variable] = Field(description="Its served variables, in file order.")


class TimeInfo(BaseModel):
    """Summary of the time axis; the instants themselves are at .../times."""

    model_config = _examples(
        {"count": 128, "first": "2010-01-01T00:00:00Z", "last": "2020-08-01T00:00:00Z"}
    )

    count: int = Field(ge=0, description="Number of time steps.")
    first: datetime = Field(description="First instant (UTC).")
    last: datetime = Field(description="Last instant (UTC).")


class DatasetDetail(DatasetSummary):
    """Everything about a dataset: summary, licence, variables, time and depth axes."""

    model_config = _examples(
        {
            **SUMMARY_EXAMPLE,
            "id": "glorys",
            "summary": "Daily mean temperature, salinity, currents and sea surface height ...",
            "licence": "Copernicus Marine Service licence",
            "variables": [VARIABLE_EXAMPLE],
            "vectors": [
                {
                    "id": "current",
                    "title": "Sea water velocity",
                    "x": "uo",
                    "y": "vo",
                    "frame": "earth",
                }
            ],
            "time": {"count": 1, "first": "2021-06-29T00:00:00Z", "last": "2021-06-29T00:00:00Z"},
            "depths": [6.0541167, 24.850742, 91.9214, 376.4469, 1409.6136, 3840.3342],
        }
    )

    summary: str = Field(description="A paragraph on what the data are.")
    licence: str = Field(description="Terms of use.")
    variables: list[Variable] = Field(default_factory=list, description="Served variables.")
    vectors: list[VectorPairInfo] = Field(
        default_factory=list, description="Vector quantities made of two variables."
    )
    time: TimeInfo | None = Field(default=None, description="Null when the data have no time.")
    depths: list[float] | None = Field(
        default=None, description="Depth levels in metres, positive down; null without depth."
    )


class TimesPage(BaseModel):
    """One page of a dataset's time instants."""

    model_config = _examples(
        {
            "dataset_id": "ersst-v5",
            "total": 128,
            "offset": 0,
            "limit": 2,
            "times": ["2010-01-01T00:00:00Z", "2010-02-01T00:00:00Z"],
            "next": f"{_BASE}/ersst-v5/times?limit=2&offset=2",
        }
    )

    dataset_id: str = Field(description="The dataset.")
    total: int = Field(description="Instants matching the start/end filter.", ge=0)
    offset: int = Field(ge=0, description="Instants skipped before this page.")
    limit: int = Field(ge=1, description="Largest number of instants on a page.")
    times: list[datetime] = Field(description="ISO 8601 UTC instants, ascending.")
    next: str | None = Field(description="URL of the next page; null on the last page.")


class Depths(BaseModel):
    """A dataset's depth levels."""

    model_config = _examples(
        {
            "dataset_id": "glorys",
            "units": "m",
            "positive": "down",
            "levels": [6.0541167, 24.850742, 91.9214, 376.4469, 1409.6136, 3840.3342],
        }
    )

    dataset_id: str = Field(description="The dataset.")
    units: Literal["m"] = Field(default="m", description="Always metres.")
    positive: Literal["down"] = Field(default="down", description="Depths grow downwards.")
    levels: list[float] = Field(
        description="Depth levels in metres, positive down, ascending; empty without depth."
    )


class PoolHealth(BaseModel):
    """A worker pool's state, as readiness reports it."""

    pool: Literal["plot", "data"] = Field(description="Which pool: plot renders or data queries.")
    backend: Literal["local", "dask"] = Field(
        description="'local' (worker processes here) or 'dask' (a Dask cluster)."
    )
    workers: int = Field(
        description="Jobs the pool runs at once: its worker processes, or on Dask its slots."
    )
    healthy: int = Field(
        description="Local: workers alive and answering (running a job, or idle with a fresh "
        "heartbeat). Dask: the cluster's worker threads, as the scheduler counts them."
    )
    heartbeat_replacements: int = Field(
        description="Local workers killed and replaced so far because they stopped answering "
        "while idle (0 on Dask)."
    )


class Health(BaseModel):
    """Liveness and readiness."""

    model_config = _examples(
        {
            "status": "ready",
            "datasets_available": 4,
            "datasets_unavailable": 0,
            "pools": [
                {
                    "pool": "plot",
                    "backend": "local",
                    "workers": 2,
                    "healthy": 2,
                    "heartbeat_replacements": 0,
                },
                {
                    "pool": "data",
                    "backend": "local",
                    "workers": 2,
                    "healthy": 2,
                    "heartbeat_replacements": 0,
                },
            ],
        }
    )

    status: Literal["ok", "ready", "degraded"] = Field(
        description="'ok' (alive), 'ready' (serving, every worker healthy) or 'degraded' "
        "(serving, some workers being replaced)."
    )
    datasets_available: int | None = Field(
        default=None, description="Datasets that can be served (readiness only)."
    )
    datasets_unavailable: int | None = Field(
        default=None, description="Datasets whose source cannot be read (readiness only)."
    )
    pools: list[PoolHealth] | None = Field(
        default=None, description="The plot and data worker pools (readiness only)."
    )
