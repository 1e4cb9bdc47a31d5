"""The catalog file: which datasets the service serves and how to read them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from schemas import patterns

DatasetId = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="URL-safe identifier: lower-case letters, digits, '-' and '_'.",
        examples=["ersst-v5"],
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileSource(_Strict):
    """One NetCDF (or HDF5) file."""

    path: str = Field(description="File path, relative to the catalog file.")


class GlobSource(_Strict):
    """Several NetCDF files combined along their time axis."""

    glob: str = Field(description="Glob pattern, relative to the catalog file.")


class ZarrSource(_Strict):
    """A Zarr store: a local directory, or an fsspec URL for object storage."""

    zarr: str = Field(description="Store path relative to the catalog file, or an fsspec URL.")
    storage_options: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict,
        description="fsspec options for a URL store, e.g. {anon: true} for a public S3 bucket.",
    )


class ArgoSource(_Strict):
    """Argo profile files (``*_prof.nc``): an observation collection, indexed at start-up."""

    argo: str = Field(
        description="A file or a glob pattern of Argo *_prof.nc files, relative to the catalog "
        "file."
    )


class DsgSource(_Strict):
    """CF discrete sampling geometry files (featureType profile, trajectoryProfile, timeSeries,
    trajectory; ragged or multidimensional): an observation collection, indexed at start-up."""

    dsg: str = Field(
        description="A file or a glob pattern of CF discrete sampling geometry files, relative "
        "to the catalog file."
    )


OBSERVATION_SOURCES = (ArgoSource, DsgSource)
"""The source kinds of observation collections (every other one is gridded)."""


def _source_kind(value: Any) -> str | None:
    """Which source model a mapping is, by the one key that names it."""
    if isinstance(value, BaseModel):
        return type(value).__name__
    if isinstance(value, dict):
        kinds = [kind for key, kind in _SOURCE_KEYS.items() if key in value]
        return kinds[0] if len(kinds) == 1 else None
    return None


_SOURCE_KEYS = {
    "path": "FileSource",
    "glob": "GlobSource",
    "zarr": "ZarrSource",
    "argo": "ArgoSource",
    "dsg": "DsgSource",
}

Source = Annotated[
    Annotated[FileSource, Tag("FileSource")]
    | Annotated[GlobSource, Tag("GlobSource")]
    | Annotated[ZarrSource, Tag("ZarrSource")]
    | Annotated[ArgoSource, Tag("ArgoSource")]
    | Annotated[DsgSource, Tag("DsgSource")],
    Discriminator(
        _source_kind,
        custom_error_type="source_kind",
        custom_error_message="give exactly one of 'path' (a file), 'glob' (files combined "
        "along time), 'zarr' (a Zarr store), 'argo' (Argo profile files) or 'dsg' (CF discrete "
        "sampling geometry files)",
    ),
]


class VariableOverride(_Strict):
    """Corrections and presentation defaults for one variable."""

    display_name: str | None = None
    units: str | None = Field(
        default=None, description="Units to use instead of the file's, e.g. 'K' for 'Kelvins'."
    )
    display_units: str | None = Field(
        default=None,
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
        description="Units plots show the variable in when the request has no `units` (UDUNITS, "
        "e.g. 'degC' for a temperature stored in K): values, colour bar and the catalog `scale` "
        "(given in the file's units) are converted. Data answers keep the file's units. The "
        "dataset is unavailable, with the reason logged, when these do not convert.",
        examples=["degC"],
    )
    colormap: str | None = None
    scale: tuple[float, float] | None = Field(
        default=None, description="Default colour scale as (min, max), in the file's units."
    )

    @model_validator(mode="after")
    def _scale_ordered(self) -> VariableOverride:
        if self.scale is not None and not self.scale[0] < self.scale[1]:
            raise ValueError("scale must be (min, max) with min < max")
        return self


class VectorPair(_Strict):
    """Two variables that are the components of one vector quantity."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    title: str
    x: str = Field(description="Variable holding the eastward (or grid-x) component.")
    y: str = Field(description="Variable holding the northward (or grid-y) component.")
    frame: Literal["earth", "grid"] = Field(
        default="earth",
        description="'earth': components are east/north. 'grid': they follow the grid axes "
        "and are rotated to east/north with the angle variable.",
    )
    angle: str | None = Field(
        default=None, description="Variable with the grid's rotation angle (radians)."
    )

    @model_validator(mode="after")
    def _grid_needs_angle(self) -> VectorPair:
        if self.frame == "grid" and self.angle is None:
            raise ValueError("a vector pair with frame 'grid' needs 'angle'")
        if self.x == self.y:
            raise ValueError("x and y must be different variables")
        return self


DerivedId = Literal[
    "absolute_salinity",
    "conservative_temperature",
    "density",
    "sigma0",
    "sound_speed",
    "buoyancy_frequency_squared",
    "mixed_layer_depth",
]
DERIVED_IDS: tuple[str, ...] = get_args(DerivedId)


class DerivedOptions(_Strict):
    """Which TEOS-10 derived variables a dataset offers, and from which of its variables.

    By default they are offered wherever a temperature and a salinity with depth levels are
    found by CF standard name (``sea_water_potential_temperature``,
    ``sea_water_conservative_temperature`` or ``sea_water_temperature``; and
    ``sea_water_practical_salinity``, ``sea_water_salinity`` (read as practical) or
    ``sea_water_absolute_salinity``). ``derived: false`` switches them off.
    """

    enabled: bool = True
    temperature: str | None = Field(
        default=None, description="Variable to use as temperature (else found by standard name)."
    )
    temperature_kind: Literal["potential", "conservative", "in_situ"] | None = Field(
        default=None,
        description="What that temperature is; needed when its standard name does not say.",
    )
    salinity: str | None = Field(
        default=None, description="Variable to use as salinity (else found by standard name)."
    )
    salinity_kind: Literal["practical", "absolute"] | None = Field(
        default=None,
        description="What that salinity is; needed when its standard name does not say.",
    )
    variables: list[DerivedId] | None = Field(
        default=None, description="Offer only these derived variables (default: all)."
    )

    @model_validator(mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        return {"enabled": value} if isinstance(value, bool) else value


class DatasetEntry(_Strict):
    """One dataset of the catalog."""

    id: DatasetId
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    attribution: str = Field(min_length=1, description="Credit line shown on plots.")
    licence: str = Field(min_length=1)
    source: Source
    variables: dict[str, VariableOverride] = Field(default_factory=dict)
    vectors: list[VectorPair] = Field(default_factory=list)
    hidden_variables: list[str] = Field(
        default_factory=list,
        description="Data variables not to serve (masks, grid metrics, …).",
    )
    derived: DerivedOptions = Field(
        default_factory=DerivedOptions,
        description="TEOS-10 derived variables (density, sound speed, …): on by default where "
        "inputs are found; `false` switches them off.",
    )
    climatology: bool = Field(
        default=False,
        description="The time steps are a climatology (typical months or days of no particular "
        "year): model-observation matchups match an observation by its month or day of the "
        "year, whatever its year.",
    )


class CatalogFile(_Strict):
    """The whole catalog file."""

    datasets: list[DatasetEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CatalogFile:
        seen: set[str] = set()
        for entry in self.datasets:
            if entry.id in seen:
                raise ValueError(f"dataset id {entry.id!r} is used twice")
            seen.add(entry.id)
        return self
