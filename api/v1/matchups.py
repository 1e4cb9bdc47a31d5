"""Model-observation matchups: a gridded dataset sampled at an observation collection's
profiles, answered as pairs with bias, RMSE and N per variable (JSON or CSV).

A data job (``catalog.observations.matchup_job``): checked here against the model and the
collection's index (at most ``matchup.MAX_PROFILES`` profiles and the service's ``max_values``
levels x variables, else a 413 before any file is read), then answered by the data runner, in
this process when small (the 11 sample profiles against GLORYS: about 30 ms), in a data worker
when it pairs more than ``inline_max_values`` observed values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Query, Request
from fastapi.responses import Response

from api.deps import AsyncDatasetDep, CatalogDep
from api.encoding import answer
from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from catalog.errors import (
    DatasetNotFound,
    DatasetUnavailable,
    InvalidParameters,
    NoData,
    SelectionTooLarge,
    VariableNotFound,
)
from catalog.observations import index
from catalog.observations import matchup as engine
from catalog.observations.matchup_job import MatchupJob
from schemas import params, patterns
from schemas.matchups import (
    MatchupResult,
)

router = PrefixedRouter(prefix=API_V1, tags=["Observations"])


def _names(variables: str | None) -> list[str] | None:
    if variables is None:
        return None
    names = [n.strip() for n in variables.split(",") if n.strip()]
    return names or None


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The pairs and their statistics: JSON (the MatchupResult schema), or "
        "with `f=csv` one row per pair.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    **problem_responses(
        DatasetNotFound, VariableNotFound, NoData, SelectionTooLarge, DatasetUnavailable
    ),
}


@router.get(
    "/datasets/{dataset_id}/matchups",
    operation_id="getMatchups",
    name="getMatchups",
    summary="Model-observation matchups",
    response_model=MatchupResult,
    responses=_RESPONSES,
)
async def get_matchups(
    request: Request,
    dataset: AsyncDatasetDep,
    catalog: CatalogDep,
    observations: Annotated[
        str,
        Query(
            description="The observation collection to compare with (GET /api/v1/observations "
            "lists them).",
            pattern=patterns.DATASET_ID,
            max_length=64,
            examples=["glorys-matchup"],
        ),
    ],
    variables: Annotated[
        str | None,
        Query(
            description="Comma-separated model variable ids to compare; default: every sea "
            "water temperature and salinity with depth levels (by CF standard name).",
            pattern=patterns.NAME_LIST,
            max_length=patterns.LIST_MAX,
            examples=["thetao,so"],
        ),
    ] = None,
    bbox: Annotated[
        params.BBoxParam | None,
        Query(
            description="minlon,minlat,maxlon,maxlat: profiles positioned inside (inclusive; "
            "minlon > maxlon crosses the antimeridian).",
            examples=["-20,45,10,72"],
        ),
    ] = None,
    start: Annotated[
        params.InstantParam | None,
        Query(description="Profiles at or after this instant (ISO 8601).", examples=["2021-06-01"]),
    ] = None,
    end: Annotated[
        params.InstantParam | None,
        Query(
            description="Profiles at or before this instant (ISO 8601).", examples=["2021-07-31"]
        ),
    ] = None,
    platform: Annotated[
        str | None,
        Query(
            description="Profiles of this platform (float WMO number) only.",
            pattern=patterns.NAME,
            max_length=64,
            examples=["9990001"],
        ),
    ] = None,
    tolerance: Annotated[
        str,
        Query(
            description="How far a profile's time may be from the model's step (ISO 8601 "
            "duration of days, hours, minutes, seconds, e.g. P1D, PT6H, P2DT12H). A step whose "
            "period (a month of monthly means, a day of daily ones, CF bounds) holds the time "
            "is at distance 0. Profiles further away are skipped and counted; when none is "
            "near, a 400 gives both time ranges.",
            pattern=engine.TOLERANCE_PATTERN,
            max_length=32,
            examples=["P1D"],
        ),
    ] = "P1D",
    qc: Annotated[
        Literal["good", "all"],
        Query(
            description="'good' (the default): observed values flagged other than 1, 2, 5 or 8 "
            "are left out; 'all': every value.",
            examples=["good"],
        ),
    ] = "good",
    f: Annotated[
        Literal["json", "csv"],
        Query(description="json (the default) or csv (one row per pair).", examples=["json"]),
    ] = "json",
) -> Response:
    """The model sampled where, when and at the depths the collection's profiles (searched as
    `/observations` searches: bbox, start, end, platform) were taken, paired with the observed
    values: per profile the model step holding or nearest its time within `tolerance` (by
    time of year when the model is a climatology), the nearest model cell, and the model's
    levels interpolated linearly in depth to the observed depths. Variables are paired by CF
    standard name; observed in-situ temperature is converted to potential temperature (or
    Conservative Temperature) with gsw to compare with a model's. Per variable: N, bias (mean
    of model − observation: positive when the model is warmer or saltier) and RMSE."""
    if observations not in catalog.collection_ids:
        raise InvalidParameters.single(
            "observations",
            f"no observation collection '{observations}' (valid: "
            f"{', '.join(catalog.collection_ids) or 'none'})",
        )
    names = _names(variables)
    job = MatchupJob(
        dataset.id,
        observations,
        None if names is None else tuple(names),
        bbox=index.box(bbox),
        start=None if start is None else pd.Timestamp(start),
        end=None if end is None else pd.Timestamp(end),
        platform=platform,
        tolerance=engine.parse_tolerance(tolerance),
        qc=qc,
        format=f,
    )
    return await answer(request, job)
