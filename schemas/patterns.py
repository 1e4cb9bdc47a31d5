"""Forms of the string query and path parameters, shared by the data and plot routes.

Each is published in the OpenAPI document, so clients and fuzzers can check a value before
sending it, and enforced before a handler runs (a 400 naming the parameter). A value of the
right form still meets the parsers' own checks: a known id, an instant inside the data, ...
"""

from __future__ import annotations

_NUMBER = r"[-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?"
_INSTANT = (
    r"[0-9]{4}-[0-9]{2}(-[0-9]{2}([T ][0-9]{2}(:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)

DATASET_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
"""The form of a dataset id; upper case passes, so 'ERSST-V5' is a 404 listing the real ids."""
NAME = r"^[A-Za-z0-9_.-]+$"
"""A variable, vector pair, colour map or problem-type name."""
NAME_LIST = r"^[A-Za-z0-9_.-]+( *, *[A-Za-z0-9_.-]+)*$"
INSTANT = f"^{_INSTANT}$"
"""ISO 8601: a date, or a date and time (seconds, fraction and offset optional)."""
INSTANT_OR_LATEST = f"^(latest|{_INSTANT})$"
DEPTH = rf"^(surface|bottom|{_NUMBER})$"
"""Metres (positive down), 'surface' or 'bottom'; a negative number fails the parser."""
BBOX = rf"^ *{_NUMBER} *, *{_NUMBER} *, *{_NUMBER} *, *{_NUMBER} *$"
PATH = rf"^ *{_NUMBER} *, *{_NUMBER} *(; *{_NUMBER} *, *{_NUMBER} *)+$"
UNITS = r"^[ -~]+$"
"""UDUNITS text: printable ASCII."""
SCALE = rf"^(auto| *{_NUMBER} *, *{_NUMBER} *)$"
OVERFLOW = r"^(extend|transparent|(#|0x)([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8}))$"
"""What a value beyond a colour range becomes (ncWMS's ABOVEMAXCOLOR forms)."""

NAME_MAX = 128
LIST_MAX = 1000
INSTANT_MAX = 40
NUMBERS_MAX = 200
PATH_MAX = 64_000
UNITS_MAX = 64
DEPTH_MAX_M = 11_000
"""Metres: deeper than the Challenger Deep."""

FORMS = {
    DATASET_ID: "a dataset id: letters, digits, - and _ (GET /api/v1/datasets lists them)",
    NAME: "a name of letters, digits, '.', '-' and '_'",
    NAME_LIST: "names of letters, digits, '.', '-' and '_', separated by commas",
    INSTANT: "an ISO 8601 date or date-time, e.g. 2015-12-01 or 2015-12-01T00:00:00Z",
    INSTANT_OR_LATEST: "'latest' or an ISO 8601 date or date-time, e.g. 2015-12-01T00:00:00Z",
    DEPTH: "metres (positive down, e.g. 10), 'surface' or 'bottom'",
    BBOX: "four numbers minlon,minlat,maxlon,maxlat, e.g. -80,0,0,60",
    PATH: "two or more lon,lat vertices separated by ';', e.g. -15,50;0,60",
    UNITS: "UDUNITS text in printable ASCII, e.g. degF or cm s-1",
    SCALE: "'auto' or two numbers min,max, e.g. -2,30",
    OVERFLOW: "'extend', 'transparent' or a colour '#RRGGBB' ('#AARRGGBB' with alpha)",
}
"""Each form in words, for the 400 that a value of the wrong form gets."""
