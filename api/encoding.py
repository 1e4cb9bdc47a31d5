"""Query results as HTTP responses, in the format asked for; shared by /api/v1 and /edr."""

from __future__ import annotations

from fastapi.responses import JSONResponse, Response

from catalog.dataset import OpenDataset
from catalog.formats import (
    CRS84,
    MEDIA_TYPES,
    to_covjson,
    to_csv,
    to_geojson,
    to_json,
    to_netcdf,
)
from catalog.queries import QueryResult


def encode(result: QueryResult, f: str, dataset: OpenDataset, crs: str = CRS84) -> Response:
    """``f``: json, csv, nc (a CF NetCDF attachment), covjson (in ``crs``) or geojson."""
    if f == "csv":
        return Response(to_csv(result), media_type=MEDIA_TYPES["csv"])
    if f == "nc":
        body = to_netcdf(result, dataset.entry.title, dataset.entry.attribution)
        filename = f"{dataset.id}-{result.kind}.nc"
        return Response(
            body,
            media_type=MEDIA_TYPES["nc"],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    if f == "covjson":
        return JSONResponse(to_covjson(result, crs), media_type=MEDIA_TYPES["covjson"])
    if f == "geojson":
        return JSONResponse(to_geojson(result), media_type=MEDIA_TYPES["geojson"])
    return JSONResponse(to_json(result))
