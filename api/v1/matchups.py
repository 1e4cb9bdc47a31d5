"""Model-observation matchups: a gridded dataset sampled at an observation collection's
profiles, answered as pairs with bias, RMSE and N per variable (JSON or CSV).

Computed in the request's thread, not a data worker: the pairs are bounded (at most
``matchup.MAX_PROFILES`` profiles and the service's ``max_values`` levels x variables, else a
413 before any file is read), each file is opened once and the model read once per time step:
the 11 sample profiles against GLORYS answer in about 30 ms, 800 profiles (8,321 pairs) take
0.26 s in the engine, so the largest allowed (2,000) under a second. A collection of many more
profiles per request would belong in the data worker pool (``catalog.jobs``).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Query
from fastapi.responses import JSONResponse, Response

from api.deps import CatalogDep, DatasetDep, SettingsDep
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
from schemas import params, patterns
from schemas.matchups import (
    MatchupMethod,
    MatchupPairs,
    MatchupResult,
    SkippedProfiles,
    VariableStatistics,
)

router = PrefixedRouter(prefix=API_V1, tags=["Observations"])

CSV_EXAMPLE = (
    "profile_id,platform,variable,obs_time,model_time,obs_lon,obs_lat,model_lon,model_lat,"
    "depth,pressure,observed,model,difference,units\n"
    "9990001_001,9990001,so,2021-06-29T00:40:00Z,2021-06-29T00:00:00Z,-12.958328247070312,"
    "47.70833587646485,-12.958328247070312,47.70833587646485,6.054116,6.103149,35.35524,"
    "35.305241,-0.049999,1e-3\n"
)


def _names(variables: str | None) -> list[str] | None:
    if variables is None:
        return None
    names = [n.strip() for n in variables.split(",") if n.strip()]
    return names or None


def _iso(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v.strftime("%Y-%m-%dT%H:%M:%SZ") for v in values]


def _floats(values: pd.Series) -> list[float]:
    return [float(v) for v in values.to_numpy(dtype=float)]


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def result_of(found: engine.Matchup, climatology: bool) -> MatchupResult:
    """The engine's matchup as the API's answer."""
    pairs = found.pairs
    return MatchupResult(
        model=found.model_id,
        observations=found.collection_id,
        method=MatchupMethod(
            time=found.time_rule,
            horizontal=engine.HORIZONTAL,
            vertical=engine.VERTICAL,
            difference=engine.DIFFERENCE,
            tolerance=engine.words(found.tolerance),
            qc=found.qc,
            climatology=climatology,
        ),
        profiles_found=found.found,
        profiles_matched=found.matched,
        skipped=[
            SkippedProfiles(reason=reason, count=len(ids), profile_ids=ids)
            for reason, ids in found.skipped.items()
        ],
        statistics=[
            VariableStatistics(
                variable=s.pairing.info.id,
                standard_name=s.pairing.info.standard_name,
                observed=s.pairing.observed,
                conversion=s.pairing.conversion,
                units=s.pairing.units,
                n=s.n,
                bias=_finite(s.bias),
                rmse=_finite(s.rmse),
            )
            for s in found.statistics
        ],
        pairs=MatchupPairs(
            profile_id=pairs["profile_id"].astype(str).tolist(),
            platform=pairs["platform"].astype(str).tolist(),
            variable=pairs["variable"].astype(str).tolist(),
            obs_time=pairs["obs_time"].tolist(),
            model_time=[None if pd.isna(v) else v for v in pairs["model_time"]],
            **{
                name: _floats(pairs[name])
                for name in (
                    "obs_lon",
                    "obs_lat",
                    "model_lon",
                    "model_lat",
                    "depth",
                    "pressure",
                    "observed",
                    "model",
                    "difference",
                )
            },
        ),
    )


def csv_of(found: engine.Matchup) -> str:
    """One row per pair, the units of its values in the last column."""
    pairs = found.pairs.copy()
    pairs["obs_time"] = _iso(pairs["obs_time"])
    pairs["model_time"] = _iso(pairs["model_time"])
    units = {s.pairing.info.id: s.pairing.units or "" for s in found.statistics}
    pairs["units"] = pairs["variable"].map(units)
    text: str = pairs.to_csv(index=False, lineterminator="\n")
    return text


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The pairs and their statistics: JSON (the MatchupResult schema), or "
        "with `f=csv` one row per pair.",
        "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
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
def get_matchups(
    dataset: DatasetDep,
    catalog: CatalogDep,
    settings: SettingsDep,
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
            "duration of days, hours, minutes, seconds; at most P366D). A step whose period "
            "(a month of monthly means, a day of daily ones, CF bounds) holds the time is at "
            "distance 0. Profiles further away are skipped and counted; when none is near, a "
            "400 gives both time ranges.",
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
    collection = catalog.collection(observations)
    found = engine.matchup(
        dataset,
        collection,
        _names(variables),
        bbox=index.box(bbox),
        start=None if start is None else pd.Timestamp(start),
        end=None if end is None else pd.Timestamp(end),
        platform=platform,
        tolerance=engine.parse_tolerance(tolerance),
        qc=qc,
        max_values=settings.max_values,
    )
    if f == "csv":
        return Response(csv_of(found), media_type="text/csv")
    body = result_of(found, dataset.entry.climatology)
    return JSONResponse(body.model_dump(mode="json"))
