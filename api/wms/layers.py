"""WMS layers: one per served variable of a dataset, and one per vector pair (its speed),
named ``{dataset_id}/{variable}``."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from api.wms.exceptions import WmsError
from catalog.dataset import OpenDataset
from catalog.errors import DatasetNotFound
from catalog.store import Catalog
from catalog.variables import VariableInfo


@dataclass(frozen=True)
class Layer:
    """A layer: the variable (or vector pair) it draws and the axes it has."""

    name: str
    dataset_id: str
    variable: str
    """The variable id, or the vector pair id (drawn as its speed)."""
    title: str
    info: VariableInfo
    """The variable's, or for a pair its x component's: the grid, time and depth axes."""
    units: str | None
    """The units it is drawn and queried in: the catalog's display units, else the data's."""
    vector: bool = False


def dataset_layers(opened: OpenDataset) -> list[Layer]:
    """The dataset's layers: each served variable, then each vector pair's speed."""
    layers = [
        Layer(f"{opened.id}/{info.id}", opened.id, info.id, info.display_name, info, _units(info))
        for info in opened.variables.values()
    ]
    for pair in opened.entry.vectors:
        x = opened.variables[pair.x]
        title = f"{pair.title or pair.id} (speed)"
        layers.append(
            Layer(f"{opened.id}/{pair.id}", opened.id, pair.id, title, x, _units(x), True)
        )
    return layers


def _units(info: VariableInfo) -> str | None:
    return info.override.display_units or info.units


def _not_defined(param: str, message: str) -> WmsError:
    return WmsError("LayerNotDefined", f"{param}: {message}", param)


async def resolve(catalog: Catalog, name: str, param: str) -> tuple[OpenDataset, Layer]:
    """The dataset and layer ``name`` ({dataset_id}/{variable}) names; LayerNotDefined naming
    ``param`` and the valid names; an unavailable dataset's 503 as the catalog raises it."""
    dataset_id, slash, variable = name.partition("/")
    if not slash or not dataset_id or not variable:
        raise _not_defined(
            param,
            f"no layer '{name}'; layer names are {{dataset_id}}/{{variable}}, e.g. "
            f"{catalog.ids[0]}/... (GetCapabilities lists them)",
        )
    try:
        if catalog.settled(dataset_id):
            opened = catalog.dataset(dataset_id)
        else:
            opened = await run_in_threadpool(catalog.dataset, dataset_id)
    except DatasetNotFound:
        raise _not_defined(
            param,
            f"no dataset '{dataset_id}' (layer '{name}'); datasets: {', '.join(catalog.ids)}. "
            "GetCapabilities lists the layers",
        ) from None
    layers = {layer.variable: layer for layer in dataset_layers(opened)}
    if variable not in layers:
        raise _not_defined(
            param,
            f"no layer '{name}'; {dataset_id}'s layers are "
            + ", ".join(layer.name for layer in layers.values()),
        )
    return opened, layers[variable]
