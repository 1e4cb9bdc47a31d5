"""Data formats: their media types, and the names of the horizontal CRSs answers use."""

from __future__ import annotations

from typing import Literal

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
Format = Literal["json", "csv", "nc", "covjson"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "nc": "application/x-netcdf",
    "covjson": "application/prs.coverage+json",
    "geojson": "application/geo+json",
}
