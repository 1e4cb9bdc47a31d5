"""The committed openapi.yaml is the app's document, and the document is complete."""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import edr_pydantic
import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient
from PIL import Image
from pydantic import BaseModel

from api import examples
from api.middleware import UNLIMITED_PATHS
from api.openapi import dump
from api.settings import REPO_ROOT
from schemas.origin import EXAMPLE_ORIGIN

COMMITTED = REPO_ROOT / "openapi.yaml"
# The committed document, read once: the worked requests and example images come from it.
COMMITTED_DOCUMENT: dict[str, Any] = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    generated: dict[str, Any] = json.loads(json.dumps(client.app.openapi()))  # type: ignore[attr-defined]
    return generated


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_committed_document_matches_the_app(document: dict[str, Any]) -> None:
    assert document == COMMITTED_DOCUMENT, "openapi.yaml is stale: run `make openapi` and commit it"
    assert COMMITTED.read_text(encoding="utf-8") == dump(document)


def test_every_operation_is_described(document: dict[str, Any]) -> None:
    ids = []
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        assert operation.get("operationId"), where
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert operation.get("tags"), where
        ids.append(operation["operationId"])
        ok = operation["responses"]["200"]["content"]
        assert ok and all("schema" in c for c in ok.values()), where
        for media_type, content in ok.items():
            if media_type.startswith("image/") or media_type == "application/pdf":
                assert content["schema"] == {"type": "string", "format": "binary"}, where
        for status, response in operation["responses"].items():
            assert status != "422", where
            if int(status) >= 400:
                assert set(response["content"]) == {"application/problem+json"}, where
                content = response["content"]["application/problem+json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Problem"}, where
                assert content["examples"], where
        assert "400" in operation["responses"], where
    assert len(ids) == len(set(ids))


def test_every_parameter_has_description_constraints_and_example(
    document: dict[str, Any],
) -> None:
    failures: list[str] = []
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{method.upper()} {path} {parameter['name']}"
            assert parameter.get("description"), where
            assert "example" in parameter or examples.LEFT_OUT in parameter["description"], where
            assert "examples" not in parameter["schema"], f"{where}: one example, on the parameter"
            try:
                assert_constrained(parameter["schema"], where)
            except AssertionError as failure:
                failures.append(str(failure))
    assert not failures, "\n".join(failures)


def assert_constrained(schema: dict[str, Any], where: str) -> None:
    """A client can tell a valid value from the schema alone: enum, pattern, bounds."""
    assert "anyOf" not in schema, f"{where}: a query parameter is never null"
    kind = schema.get("type")
    if "enum" in schema or kind == "boolean":  # a boolean's two values are its constraint
        return
    if kind == "string":  # a form (pattern, format) or at least a length (free text: title)
        assert {"maxLength", "format"} & set(schema), where
    elif kind in {"number", "integer"}:
        assert {"minimum", "exclusiveMinimum"} & set(schema), where
        assert {"maximum", "exclusiveMaximum"} & set(schema), where
    elif kind == "array":
        assert "maxItems" in schema, where
        assert_constrained(schema["items"], where)
    else:
        raise AssertionError(f"{where}: unexpected schema {schema}")


def standard_models() -> set[str]:
    """Models of the OGC standards' own libraries (edr-pydantic), documented by the standard."""
    names = set()
    for info in pkgutil.iter_modules(edr_pydantic.__path__, "edr_pydantic."):
        module = importlib.import_module(info.name)
        names |= {
            name
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, BaseModel)
        }
    return names


def test_every_schema_field_is_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    standard = standard_models()
    for name, schema in schemas.items():
        if name in standard or name.startswith("RootModel_"):
            continue
        assert schema.get("description"), name
        for field, spec in schema.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field}"


def test_every_response_has_an_example(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    standard = standard_models()
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                where = f"{method.upper()} {path} {status} {media_type}"
                if "example" in content or "examples" in content:
                    continue
                if media_type in BINARY_OR_PAGE:  # named in the description, images shown
                    assert "`GET /" in response["description"], where
                    if media_type == "image/png":
                        assert "![The example request's image](/" in response["description"]
                    continue
                schema = content["schema"]
                ref = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                assert name in standard or schemas[name].get("examples"), where


BINARY_OR_PAGE = {
    "image/png",
    "image/svg+xml",
    "application/pdf",
    "application/x-netcdf",
    "text/html",
    "application/vnd.oai.openapi+json;version=3.0",
}


def test_tags_are_described_in_reading_order(document: dict[str, Any]) -> None:
    names = [tag["name"] for tag in document["tags"]]
    assert names == [
        "Datasets",
        "Data",
        "Plots",
        "Tiles",
        "Observations",
        "OGC API – EDR",  # noqa: RUF001
        "Service",
    ]
    assert all(tag["description"] for tag in document["tags"])
    used = {tag for _, _, operation in operations(document) for tag in operation["tags"]}
    assert used == set(names)
    assert "Quick start" in document["info"]["description"]


def test_problem_schema_is_defined_once_and_referenced(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert "Problem" in document["components"]["schemas"]
    assert text.count('"#/components/schemas/Problem"') >= len(operations(document))
    assert text.count('"title": "Problem"') == 1


def operation_params(keep: Callable[[dict[str, Any]], bool] = bool) -> list[Any]:
    """(path, operation) of the committed document's operations that ``keep`` keeps."""
    return [
        pytest.param(path, operation, id=operation["operationId"])
        for path, _, operation in operations(COMMITTED_DOCUMENT)
        if keep(operation)
    ]


@pytest.mark.parametrize(("path", "operation"), operation_params())
def test_every_operations_example_request_works(
    client: TestClient, path: str, operation: dict[str, Any]
) -> None:
    """Swagger UI's "Try it out" sends the parameters' examples: together they must work."""
    url = examples.request_of(path, operation)
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.text[:500]}"
    declared = operation["responses"]["200"]["content"]
    media_type = response.headers["content-type"].split(";")[0]
    assert any(media_type == m.split(";")[0] for m in declared), (media_type, list(declared))
    if media_type == "image/png":
        query = parse_qs(url.partition("?")[2])
        image = Image.open(io.BytesIO(response.content))
        if "width" in query:
            assert image.size == (int(query["width"][0]), int(query["height"][0]))
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
        assert len(np.unique(pixels, axis=0)) > 10, "a blank image"
    for media_type in declared:
        kept = examples.answer_of(operation["operationId"], media_type)
        if kept is None:
            continue
        answer = client.get(examples.request_of(path, operation, media_type))
        assert answer.status_code == 200
        shown = declared[media_type]["example"]
        if kept.suffix == ".json":
            assert shown == answer.json(), f"{kept.name} is stale: run `make examples`"
        else:
            assert shown == answer.text, f"{kept.name} is stale: run `make examples`"


PLOT_IMAGES = operation_params(
    lambda operation: examples.image_of(operation["operationId"]).is_file()
)


def test_every_plot_operation_has_its_example_image() -> None:
    plots = [
        op
        for p, _, op in operations(COMMITTED_DOCUMENT)
        if "/plots/" in p or ("/tiles/" in p and p.endswith(".png"))
    ]
    assert plots and len(PLOT_IMAGES) == len(plots)
    for operation in plots:
        image = f"/docs/examples/{operation['operationId']}.png"
        assert f"]({image})" in operation["responses"]["200"]["description"]


@pytest.mark.parametrize(("path", "operation"), PLOT_IMAGES)
def test_example_images_are_what_the_example_request_draws(
    client: TestClient, path: str, operation: dict[str, Any]
) -> None:
    """A committed image that no longer matches the renderer is stale: `make examples`."""
    committed = Image.open(examples.image_of(operation["operationId"])).convert("RGB")
    drawn = Image.open(io.BytesIO(client.get(examples.request_of(path, operation)).content))
    assert drawn.size == committed.size
    difference = np.abs(
        np.asarray(drawn.convert("RGB"), dtype=np.int16) - np.asarray(committed, dtype=np.int16)
    )
    changed = float((difference.max(axis=2) > 48).mean())
    assert changed < 0.01, f"{changed:.1%} of the pixels differ: run `make examples`"


def test_redoc_shows_the_whole_description(document: dict[str, Any]) -> None:
    """ReDoc 2.0 cuts the API's description at its first line that starts with "#" or "##" and
    a space (its ApiInfoModel searches /^\\s*##?\\s+/m), inside a code block too: a shell
    comment there emptied the quick start's code block and hid everything after it."""
    description = document["info"]["description"]
    assert re.search(r"^\s*##?\s+", description, re.MULTILINE) is None
    assert re.search(r"^\s*##?\s+", "```sh\n# a comment\ncurl x\n```", re.MULTILINE)


def test_the_quick_start_works(client: TestClient, document: dict[str, Any]) -> None:
    calls = re.findall(
        rf'curl (?:-o \S+ )?"?{re.escape(EXAMPLE_ORIGIN)}([^"\s]+)', document["info"]["description"]
    )
    assert len(calls) >= 5
    kinds = set()
    for url in calls:
        response = client.get(url)
        assert response.status_code == 200, url
        kinds.add(response.headers["content-type"].split(";")[0])
    assert {"application/json", "image/png", "application/prs.coverage+json"} <= kinds


def test_the_operations_exempt_from_the_client_limit_are_the_ones_without_a_429(
    document: dict[str, Any],
) -> None:
    """The middleware's exempt paths and the document's missing 429s state one fact twice."""
    without = {
        path for path, _, operation in operations(document) if "429" not in operation["responses"]
    }
    assert without == UNLIMITED_PATHS
