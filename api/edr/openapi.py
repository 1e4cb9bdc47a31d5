"""The OpenAPI 3.0 document of the EDR part, served at /edr/api and linked as service-desc.

It is cut from the app's own document (the same routes, parameters and responses) and
written down to OpenAPI 3.0.3, which OGC clients and validators expect: FastAPI writes 3.1
(JSON Schema 2020-12), so ``null`` types become ``nullable``, ``examples`` lists become
``example``, numeric ``exclusiveMinimum`` a boolean, ``const`` an ``enum``, tuples
(``prefixItems``) arrays.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from fastapi import FastAPI

OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
PREFIX = "/edr"
_REF = re.compile(r"^#/components/(\w+)/(.+)$")


def edr_openapi(app: FastAPI) -> dict[str, Any]:
    """The EDR routes of ``app`` as an OpenAPI 3.0.3 document (built once per app)."""
    cached: dict[str, Any] | None = getattr(app.state, "edr_openapi", None)
    if cached is not None:
        return cached
    full = app.openapi()
    paths = {
        p: item for p, item in full["paths"].items() if p == PREFIX or p.startswith(PREFIX + "/")
    }
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": f"{full['info']['title']} – OGC API – EDR",  # noqa: RUF001
            "version": full["info"]["version"],
            "description": "The OGC API – Environmental Data Retrieval 1.1 part of the "  # noqa: RUF001
            "Ocean Data API: the catalog's datasets as collections, queried by position, area, "
            "cube, trajectory and radius; observation collections (Argo floats) by locations, "
            "items, area, cube, trajectory, corridor and radius. Errors are RFC 9457 problem "
            "documents, including the 400 for a request line or headers over 64 KiB "
            "(`/problems/malformed-request`).",
        },
        "tags": [t for t in full.get("tags", []) if t["name"].startswith("OGC")],
        "paths": copy.deepcopy(paths),
    }
    doc["components"] = _components(doc["paths"], full.get("components", {}))
    ids = sorted([*app.state.catalog.ids, *app.state.catalog.collection_ids])
    for item in doc["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "collectionId" and ids:
                    parameter["schema"]["enum"] = ids
    downgraded: dict[str, Any] = _to_30(doc)
    app.state.edr_openapi = downgraded
    return downgraded


def _components(paths: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The components the paths reach, following references transitively."""
    kept: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    while pending:
        kind, name = pending.pop()
        if name in kept.get(kind, {}):
            continue
        item = components[kind][name]
        kept.setdefault(kind, {})[name] = copy.deepcopy(item)
        pending.extend(_refs(item))
    return kept


def _refs(node: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and (match := _REF.match(ref)):
            found.append((match.group(1), match.group(2)))
        for value in node.values():
            found.extend(_refs(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_refs(value))
    return found


_SCHEMA_KEYS = {"schema", "items", "additionalProperties", "not"}
_SCHEMA_MAPS = {"properties", "schemas", "$defs"}
_SCHEMA_LISTS = {"anyOf", "oneOf", "allOf", "prefixItems"}


def _to_30(node: Any, in_schema: bool = False) -> Any:
    """Rewrite JSON Schema 2020-12 constructs as their OpenAPI 3.0 equivalents."""
    if isinstance(node, list):
        return [_to_30(v, in_schema) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_KEYS and isinstance(value, dict):
            out[key] = _to_30(value, True)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _to_30(v, True) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_to_30(v, True) for v in value]
        else:
            out[key] = _to_30(value, False)
    return _schema_to_30(out) if in_schema else out


# A null option, before or after its own rewriting (children are rewritten first).
_NULL = ({"type": "null"}, {"nullable": True})


def _schema_to_30(schema: dict[str, Any]) -> dict[str, Any]:
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and any(o in _NULL for o in options):
            rest = [o for o in options if o not in _NULL]
            schema["nullable"] = True
            if len(rest) == 1:
                del schema[key]
                only = rest[0]
                if "$ref" in only:
                    schema["allOf"] = [only]
                else:
                    schema.update({k: v for k, v in only.items() if k not in schema})
            else:
                schema[key] = rest
    if isinstance(schema.get("type"), list):
        types = [t for t in schema["type"] if t != "null"]
        if len(types) < len(schema["type"]):
            schema["nullable"] = True
        if len(types) == 1:
            schema["type"] = types[0]
        else:
            del schema["type"]
            schema["anyOf"] = [{"type": t} for t in types]
    if schema.get("type") == "null":
        del schema["type"]
        schema["nullable"] = True
    if "$ref" in schema and len(schema) > 1:  # 3.0 ignores siblings of $ref
        schema["allOf"] = [{"$ref": schema.pop("$ref")}]
    if isinstance(schema.get("examples"), list):
        examples = schema.pop("examples")
        if examples:
            schema["example"] = examples[0]
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(schema.get(bound), int | float) and not isinstance(schema[bound], bool):
            schema[plain] = schema[bound]
            schema[bound] = True
    if "prefixItems" in schema:
        items = schema.pop("prefixItems")
        schema["items"] = items[0] if len({repr(i) for i in items}) == 1 else {}
        schema.setdefault("minItems", len(items))
        schema.setdefault("maxItems", len(items))
    for key in ("contentMediaType", "contentEncoding", "$schema", "propertyNames", "$defs"):
        schema.pop(key, None)
    return schema
