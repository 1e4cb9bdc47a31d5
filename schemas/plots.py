"""Response models of the plot catalogue endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlotTypeInfo(BaseModel):
    """One plot type: what it draws, where it applies and its parameters."""

    name: str = Field(description="Plot type name, the last segment of its URL.")
    summary: str = Field(description="One line saying what it draws.")
    description: str = Field(description="What it draws and how.")
    location: str = Field(
        description="Location parameters it takes, as the matching data query: 'box' (bbox), "
        "'path' (path), 'points' (lon/lat), 'observations' (an observation collection's "
        "profiles: profile_id, or the search's bbox, start, end and platform) or 'none'."
    )
    needs: list[str] = Field(
        description="Axes a variable must have: 'time' (a time axis), 'vertical' (depths)."
    )
    datasets: list[str] = Field(
        description="Ids of the datasets it applies to: gridded datasets, then observation "
        "collections (GET /api/v1/observations)."
    )
    kinds: list[str] = Field(
        default_factory=lambda: ["gridded"],
        description="What it draws from: 'gridded' (datasets at /api/v1/datasets), "
        "'observations' (collections at /api/v1/observations), or both.",
    )
    url: str = Field(description="URL template of the plot.")
    parameters: dict[str, Any] = Field(description="JSON Schema of its query parameters.")


class PlotTypeList(BaseModel):
    """Every plot type."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plot_types": [
                        {
                            "name": "map",
                            "summary": "Map of a variable over a box",
                            "description": "A variable over a box at one time and depth...",
                            "location": "box",
                            "needs": [],
                            "datasets": ["ersst-v5", "glorys", "wcofs", "giops", "glorys-mesh"],
                            "kinds": ["gridded"],
                            "url": "/api/v1/datasets/{dataset_id}/plots/map",
                            "parameters": {"type": "object", "properties": {}},
                        }
                    ]
                }
            ]
        }
    )

    plot_types: list[PlotTypeInfo] = Field(description="The plot types, in registry order.")


class ColormapInfo(BaseModel):
    """A colour map name and where to see it."""

    name: str = Field(description="Name to pass as `colormap` (append _r to reverse it).")
    source: str = Field(description="'cmocean' or 'matplotlib'.")
    preview: str = Field(description="URL of a 256 x 20 PNG strip of the colour map.")


class ColormapList(BaseModel):
    """Every colour map: cmocean's first, then matplotlib's."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "colormaps": [
                        {
                            "name": "thermal",
                            "source": "cmocean",
                            "preview": "/api/v1/colormaps/thermal",
                        }
                    ]
                }
            ]
        }
    )

    colormaps: list[ColormapInfo] = Field(description="The colour maps.")
