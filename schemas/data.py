"""Response model of the data queries (f=json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class DataArrayJSON(BaseModel):
    """One coordinate or variable: its dimensions, units and values (null where missing)."""

    dims: list[str] = Field(description="Dimension names; empty for a single value.")
    units: str | None = Field(default=None, description="UDUNITS units.")
    long_name: str | None = Field(default=None, description="What the values are.")
    standard_name: str | None = Field(default=None, description="CF standard name.")
    values: Any = Field(
        description="A number, an ISO 8601 instant, or nested lists following `dims`; "
        "null for missing values (land, below the seabed)."
    )


class DataResult(BaseModel):
    """The values a data query selected, and what it used to select them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dataset_id": "ersst-v5",
                    "query": "point",
                    "coords": {
                        "time": {"dims": [], "units": None, "values": "2015-12-01T00:00:00Z"},
                        "longitude": {"dims": [], "units": "degrees_east", "values": -140.0},
                        "latitude": {"dims": [], "units": "degrees_north", "values": 0.5},
                    },
                    "variables": {
                        "sst": {
                            "dims": [],
                            "units": "degC",
                            "long_name": "Monthly Means of Sea Surface Temperature",
                            "standard_name": None,
                            "values": 28.985275,
                        }
                    },
                    "selection": {
                        "interp": "nearest",
                        "variables": {
                            "sst": {
                                "time": "2015-12-01T00:00:00Z",
                                "cells": [
                                    {
                                        "index": {"lat": 44, "lon": 110},
                                        "lon": -140.0,
                                        "lat": 0.0,
                                        "weight": 1.0,
                                    }
                                ],
                                "on_land": False,
                            }
                        },
                    },
                }
            ]
        }
    )

    dataset_id: str = Field(description="The dataset queried.")
    query: Literal["point", "timeseries", "profile", "area", "transect"] = Field(
        description="The kind of query."
    )
    coords: dict[str, DataArrayJSON] = Field(
        description="Coordinates: longitude/latitude (requested point, cells or path samples), "
        "time, depth, distance (km along a path)."
    )
    variables: dict[str, DataArrayJSON] = Field(description="The selected values per variable.")
    selection: dict[str, Any] = Field(
        description="What was used: per variable the time step and level, the grid cells with "
        "their index and weight, `on_land` for a point where every cell is land; the stride of "
        "an area; the sample count, `path_type` (rhumb or geodesic) and length of a transect."
    )
