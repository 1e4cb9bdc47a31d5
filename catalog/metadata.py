"""Dataset and variable descriptions, as the response models of the metadata API."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from catalog.dataset import OpenDataset
from catalog.numbers import tidy_floats
from catalog.store import Catalog
from catalog.variables import VariableInfo
from schemas.datasets import (
    DatasetDetail,
    DatasetSummary,
    DerivedFrom,
    Links,
    TimeExtent,
    TimeInfo,
    Variable,
    VariableList,
    VectorMembership,
    VectorPairInfo,
)


def to_datetimes(values: npt.NDArray[np.datetime64]) -> list[datetime]:
    """numpy instants as timezone-aware UTC datetimes."""
    seconds = values.astype("datetime64[us]").astype(datetime)
    return [t.replace(tzinfo=UTC) for t in seconds]


def dataset_summary(catalog: Catalog, dataset_id: str, links: Links) -> DatasetSummary:
    """Summary of one dataset, available or not, as it stands: it opens and checks nothing."""
    entry = catalog.entry(dataset_id)
    opened = catalog.peek(dataset_id)
    if opened is None:
        return DatasetSummary(
            id=entry.id,
            title=entry.title,
            attribution=entry.attribution,
            available=False,
            unavailable_reason=catalog.unavailable_reason(dataset_id) or "not opened yet",
            links=links,
        )
    return _summary(opened, links)


def _summary(opened: OpenDataset, links: Links) -> DatasetSummary:
    """Summary of an opened dataset: extent, grid kind, time extent."""
    base = DatasetSummary(
        id=opened.entry.id,
        title=opened.entry.title,
        attribution=opened.entry.attribution,
        available=True,
        unavailable_reason=None,
        links=links,
    )
    times = opened.times()
    return base.model_copy(
        update={
            "grid_kind": opened.grid_kind,
            "bbox": list(opened.bbox) if opened.bbox else None,
            "time_extent": TimeExtent(
                start=to_datetimes(times[:1])[0],
                end=to_datetimes(times[-1:])[0],
                count=times.size,
            )
            if times.size
            else None,
            "has_depth": any(v.vertical is not None for v in opened.variables.values()),
        }
    )


def dataset_detail(catalog: Catalog, dataset_id: str, links: Links) -> DatasetDetail:
    """Full description of an available dataset (DatasetUnavailable otherwise)."""
    opened = catalog.dataset(dataset_id)
    summary = _summary(opened, links)  # of this opening, even if a newer one replaces it now
    times = opened.times()
    depths = opened.depths()
    return DatasetDetail(
        **summary.model_dump(),
        summary=opened.entry.summary,
        licence=opened.entry.licence,
        variables=[describe_variable(v) for v in opened.variables.values()],
        vectors=[
            VectorPairInfo(id=p.id, title=p.title, x=p.x, y=p.y, frame=p.frame)
            for p in opened.entry.vectors
        ],
        time=TimeInfo(
            count=times.size, first=to_datetimes(times[:1])[0], last=to_datetimes(times[-1:])[0]
        )
        if times.size
        else None,
        depths=depth_levels(opened) if depths.size else None,
    )


def depth_levels(opened: OpenDataset) -> list[float]:
    """The depth levels (m, positive down) as the file's float32 values, printed shortest."""
    return tidy_floats(opened.depths().astype(np.float32))


def variable_list(opened: OpenDataset) -> VariableList:
    """Every served variable of a dataset."""
    return VariableList(
        dataset_id=opened.id,
        variables=[describe_variable(v) for v in opened.variables.values()],
    )


def describe_variable(info: VariableInfo) -> Variable:
    """The metadata of one variable."""
    vector = None
    if info.vector is not None and info.vector_partner is not None:
        vector = VectorMembership(
            id=info.vector.id,
            partner=info.vector_partner,
            component="x" if info.vector.x == info.id else "y",
        )
    return Variable(
        id=info.id,
        name=info.display_name,
        long_name=info.long_name,
        standard_name=info.standard_name,
        units=info.units,
        dimensions=list(info.dims),
        grid_kind=info.grid.kind,
        has_time=info.time is not None,
        has_depth=info.vertical is not None,
        valid_range=list(info.valid_range) if info.valid_range else None,
        vector=vector,
        colormap=info.override.colormap,
        scale=list(info.override.scale) if info.override.scale else None,
        display_units=info.override.display_units,
        derived=DerivedFrom(
            inputs=list(info.derived.inputs),
            method=info.derived.method,
            reference=info.derived.reference,
        )
        if info.derived
        else None,
    )
