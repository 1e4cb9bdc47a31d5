"""Colour maps: names (cmocean first, then matplotlib) and a preview strip of each."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from catalog.errors import NotFound
from plotting import colormaps
from schemas import patterns
from schemas.plots import ColormapInfo, ColormapList

router = PrefixedRouter(prefix=API_V1, tags=["Plots"])


@router.get(
    "/colormaps",
    operation_id="listColormaps",
    name="listColormaps",
    summary="List colour maps",
    response_model=ColormapList,
    responses=problem_responses(),
)
async def list_colormaps() -> ColormapList:
    """Colour map names for the `colormap` plot parameter, each with a preview image."""
    return ColormapList(
        colormaps=[
            ColormapInfo(name=n, source=colormaps.source(n), preview=f"/api/v1/colormaps/{n}")
            for n in colormaps.names()
        ]
    )


@router.get(
    "/colormaps/{name}",
    operation_id="getColormapPreview",
    name="getColormapPreview",
    summary="Preview a colour map",
    response_class=Response,
    responses={
        200: {
            "description": "A 256 x 20 PNG strip of the colour map, low values on the left.",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(NotFound),
    },
)
async def colormap_preview(
    name: Annotated[
        str,
        Path(
            description="Colour map name (append _r to reverse it).",
            pattern=patterns.NAME,
            max_length=patterns.NAME_MAX,
            examples=["thermal"],
        ),
    ],
) -> Response:
    """A strip of the colour map as PNG (made with numpy and Pillow, cached; no figure)."""
    if not colormaps.is_known(name):
        raise NotFound(f"No colour map '{name}'. GET /api/v1/colormaps lists them.")
    return Response(
        colormaps.preview_png(name),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )
