"""The plain JSON answer: coordinates and variables with dims, units and nested values, and the
selection that was used."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from catalog.formats.stream import COORD_UNITS, Out, Slots, array
from catalog.query.result import QueryResult


def write_json(result: QueryResult, out: Out) -> None:
    """Coordinates and variables, each with dims, units and nested values; the selection."""
    data, slots = result.data, Slots()

    def entry(da: xr.DataArray, **attrs: Any) -> dict[str, Any]:
        values = slots.slot(partial(array, np.asarray(da.values)))
        return {"dims": [str(d) for d in da.dims], **attrs, "values": values}

    coords = {
        str(name): entry(c, units=c.attrs.get("units", COORD_UNITS.get(str(name))))
        for name, c in data.coords.items()
    }
    described = ("units", "long_name", "standard_name")
    variables = {
        str(name): entry(da, **{key: da.attrs.get(key) for key in described})
        for name, da in data.data_vars.items()
    }
    head = {"dataset_id": result.dataset_id, "query": result.kind}
    slots.write(
        {**head, "coords": coords, "variables": variables, "selection": result.selection}, out
    )
