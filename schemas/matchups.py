"""Model-observation matchups: the pairs, their statistics per variable, and how they were
made."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


METHOD_EXAMPLE: dict[str, Any] = {
    "time": "the model step whose period holds the profile's time, else the nearest step, "
    "within P1D",
    "horizontal": "the model cell nearest to the profile's position",
    "vertical": "the model's levels interpolated linearly in depth to each observed depth; "
    "above the shallowest level with model data, its value; below the deepest, its value down "
    "to the bottom of its layer (half-way to the next level), no pair deeper",
    "difference": "model - observation (a positive bias: the model is warmer or saltier)",
    "tolerance": "P1D",
    "qc": "good",
    "climatology": False,
}


class MatchupMethod(BaseModel):
    """How the model was sampled and the pairs made."""

    model_config = _examples(METHOD_EXAMPLE)

    time: str = Field(description="How a profile's time finds its model step.")
    horizontal: str = Field(description="How a profile's position finds its model cell.")
    vertical: str = Field(description="How the model's levels meet the observed depths.")
    difference: str = Field(description="What `difference` and `bias` are, and their sign.")
    tolerance: str = Field(description="The time tolerance used (ISO 8601 duration).")
    qc: Literal["good", "all"] = Field(description="The QC filter of the observed values.")
    climatology: bool = Field(
        description="Whether the model is a climatology, matched by time of year."
    )


STATISTICS_EXAMPLE: dict[str, Any] = {
    "variable": "thetao",
    "standard_name": "sea_water_potential_temperature",
    "observed": "temperature",
    "conversion": "observed in-situ temperature converted to potential temperature "
    "(reference 0 dbar) with gsw.pt0_from_t, SA from SP with gsw.SA_from_SP",
    "units": "degC",
    "n": 44,
    "bias": -0.49999997,
    "rmse": 0.49999997,
}


class VariableStatistics(BaseModel):
    """One model variable against the observations: N, bias and RMSE of its pairs."""

    model_config = _examples(STATISTICS_EXAMPLE)

    variable: str = Field(description="The model variable id.")
    standard_name: str | None = Field(description="Its CF standard name, which paired it.")
    observed: Literal["temperature", "salinity"] = Field(
        description="The observed quantity it is compared with."
    )
    conversion: str = Field(description="What was done to the observed values to compare them.")
    units: str | None = Field(description="Units of the observed, model and difference values.")
    n: int = Field(description="Pairs: levels with a good observed value and a model value.")
    bias: float | None = Field(
        description="Mean of model − observation (positive: the model is warmer or saltier); "
        "null without pairs."
    )
    rmse: float | None = Field(description="Root mean square of model − observation.")


class SkippedProfiles(BaseModel):
    """Profiles found but not paired, for one reason."""

    model_config = _examples(
        {
            "reason": "no model time step within P1D",
            "count": 1,
            "profile_ids": ["9990002_004"],
        }
    )

    reason: str = Field(description="Why they were skipped.")
    count: int = Field(description="How many.")
    profile_ids: list[str] = Field(description="Which.")


PAIRS_EXAMPLE: dict[str, Any] = {
    "profile_id": ["9990001_001"],
    "platform": ["9990001"],
    "variable": ["thetao"],
    "obs_time": ["2021-06-29T00:40:00Z"],
    "model_time": ["2021-06-29T00:00:00Z"],
    "obs_lon": [-12.958],
    "obs_lat": [47.708],
    "model_lon": [-12.958],
    "model_lat": [47.708],
    "depth": [6.054],
    "pressure": [6.1],
    "observed": [13.479777],
    "model": [12.979777],
    "difference": [-0.5],
}


class MatchupPairs(BaseModel):
    """The pairs as columns, one entry per pair (a profile's level and a variable)."""

    model_config = _examples(PAIRS_EXAMPLE)

    profile_id: list[str] = Field(description="The observed profile.")
    platform: list[str] = Field(description="Its platform.")
    variable: list[str] = Field(description="The model variable.")
    obs_time: list[datetime] = Field(description="The profile's time (UTC).")
    model_time: list[datetime | None] = Field(
        description="The model step's time (UTC); null for a model without time."
    )
    obs_lon: list[float] = Field(description="The profile's longitude.")
    obs_lat: list[float] = Field(description="The profile's latitude.")
    model_lon: list[float] = Field(description="The model cell's longitude (its centre).")
    model_lat: list[float] = Field(description="The model cell's latitude.")
    depth: list[float] = Field(description="Observed depth (m, positive down, gsw from pressure).")
    pressure: list[float] = Field(description="Observed sea pressure (dbar).")
    observed: list[float] = Field(description="Observed value, converted as `conversion` says.")
    model: list[float] = Field(description="Model value at the observed depth.")
    difference: list[float] = Field(description="model − observed.")


class MatchupResult(BaseModel):
    """A model sampled at an observation collection's profiles: pairs and statistics."""

    model_config = _examples(
        {
            "model": "glorys",
            "observations": "glorys-matchup",
            "method": METHOD_EXAMPLE,
            "profiles_found": 11,
            "profiles_matched": 10,
            "skipped": [SkippedProfiles.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
            "statistics": [STATISTICS_EXAMPLE],
            "pairs": PAIRS_EXAMPLE,
        }
    )

    model: str = Field(description="The model dataset id.")
    observations: str = Field(description="The observation collection id.")
    method: MatchupMethod = Field(description="How the pairs were made.")
    profiles_found: int = Field(description="Profiles the search found.")
    profiles_matched: int = Field(description="Profiles with at least one pair.")
    skipped: list[SkippedProfiles] = Field(description="The others, by reason.")
    statistics: list[VariableStatistics] = Field(description="Per model variable.")
    pairs: MatchupPairs = Field(description="Every pair, as columns.")
