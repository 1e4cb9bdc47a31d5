"""What a plot type is: its parameters, the variables it applies to, and how it is drawn.

Each plot type module (``plotting.types.*``) makes one; ``plotting.types`` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from matplotlib.figure import Figure

from catalog.dataset import OpenDataset
from catalog.observations.collection import ObservationCollection
from plotting.common import Needs, RenderContext, candidates, choose_variable, drawn_variables
from plotting.compare import CompareParams, comparison
from plotting.layout import canvas_size
from plotting.observed import ObservationContext
from plotting.params import PlotParams

Location = Literal["box", "path", "points", "observations", "none"]
Kind = Literal["gridded", "observations"]
"""What a plot type draws from: a gridded dataset or an observation collection."""


@dataclass(frozen=True)
class ObservationDrawing:
    """How a plot type draws from an observation collection (its profile index and files)."""

    render: Callable[[ObservationContext, Any], Figure]
    """Runs in a worker process; must be a module-level function (it is pickled by name)."""
    check: Callable[[ObservationCollection, Any], None] | None = None
    """Cheap checks run before queueing (the index only, no profile read)."""
    sizer: Callable[[ObservationCollection, Any], tuple[int, int]] | None = None
    """The image size when the plot has a natural shape (a track's map: its points' box)."""


@dataclass(frozen=True)
class PlotType:
    """A kind of plot: its parameters, the variables it applies to, and how it is drawn."""

    name: str
    summary: str
    description: str
    params: type[PlotParams]
    render: Callable[[RenderContext, Any], Figure] | None
    """Draws from a gridded dataset; runs in a worker process and must be a module-level
    function (it is pickled by name). None: the plot type draws observations only."""
    needs: Needs = ()
    location: Location = "none"
    """Which location parameters it takes, as the matching data query: bbox, path, lon/lat."""
    check: Callable[[OpenDataset, Any], None] | None = None
    """Cheap checks run before queueing (no data read), so bad requests cost no render."""
    draws: tuple[str, ...] = ()
    """Variable ids (derived ones included) the plot always draws, whatever ``variable``
    says (a T-S diagram: Absolute Salinity and Conservative Temperature): it applies where
    the dataset serves them all."""
    sizer: Callable[[OpenDataset, Any], tuple[int, int]] | None = None
    """The image size for the parameters when the plot has a natural shape of its own (a
    map: its box's aspect); None: ``layout.canvas_size`` without one (4:3)."""
    applies: Callable[[OpenDataset], bool] | None = None
    """Where the plot applies when ``needs`` cannot say it (a matchup: a temperature or
    salinity by CF standard name); None: as ``needs`` and ``draws`` say."""
    observed: ObservationDrawing | None = None
    """How it draws from an observation collection, if it does (track, obsprofile, obssection;
    the T-S diagram of profiles)."""

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """What it draws from: gridded datasets, observation collections, or both."""
        gridded: tuple[Kind, ...] = ("gridded",) if self.render is not None else ()
        return gridded + (("observations",) if self.observed is not None else ())

    def applies_to_collection(self, collection: ObservationCollection) -> bool:
        """Whether it draws from this collection: the observation plots draw profiles, so a
        collection of CF time series and trajectories only (their samples are served by the
        API, not drawn yet) is not one they apply to."""
        if self.observed is None:
            return False
        return bool((collection.table["feature_type"] == "profile").any())

    def observed_size(
        self, collection: ObservationCollection, params: PlotParams
    ) -> tuple[int, int]:
        """Width and height in pixels of the render from a collection (a missing side derived)."""
        assert self.observed is not None
        if self.observed.sizer is not None:
            return self.observed.sizer(collection, params)
        return canvas_size(params.width, params.height, params.dpi, None)

    def validate_observed(self, collection: ObservationCollection, params: PlotParams) -> None:
        """The checks that need the collection's index (400 naming the parameter)."""
        assert self.observed is not None
        if self.observed.check is not None:
            self.observed.check(collection, params)

    def applies_to(self, opened: OpenDataset) -> bool:
        """Whether some variable of the dataset (or the variables it draws) can be drawn
        this way."""
        if self.render is None:
            return False
        if self.applies is not None:
            return self.applies(opened)
        if self.draws:
            return all(name in opened.variables for name in self.draws)
        return bool(candidates(opened, self.needs))

    def size(self, opened: OpenDataset, params: PlotParams) -> tuple[int, int]:
        """Width and height in pixels the render will draw (a missing side derived)."""
        if self.sizer is not None:
            return self.sizer(opened, params)
        return canvas_size(params.width, params.height, params.dpi, None)

    def validate(
        self,
        opened: OpenDataset,
        params: PlotParams,
        others: Mapping[str, OpenDataset] | None = None,
    ) -> None:
        """The checks that need the dataset: variable, extra parameters (400/404); with
        ``others`` (``params.other_datasets()`` opened), a difference plot's B as well."""
        if self.draws:
            drawn_variables(opened, self.draws, self.name)
        else:
            choose_variable(opened, params.variable, self.needs, self.name)
        if self.check is not None:
            self.check(opened, params)
        if isinstance(params, CompareParams):
            comparison(
                RenderContext(opened, 0, others or {}), params, self.needs, self.name, self.location
            )
