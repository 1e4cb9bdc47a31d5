"""The committed openapi.yaml is the app's document, and the document is complete."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import edr_pydantic
import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.openapi import dump
from api.settings import REPO_ROOT

COMMITTED = REPO_ROOT / "openapi.yaml"


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
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert committed == document, "openapi.yaml is stale: run `make openapi` and commit it"
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


def test_every_parameter_has_description_and_example(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{method.upper()} {path} {parameter['name']}"
            assert parameter.get("description"), where
            assert "example" in parameter or "examples" in parameter["schema"], where


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


def test_every_success_response_has_an_example(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for path, method, operation in operations(document):
        content = operation["responses"]["200"]["content"]
        if "application/json" not in content:
            continue  # images
        schema = content["application/json"]["schema"]
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        name = ref.rsplit("/", 1)[-1]
        if name in standard_models():
            continue
        assert schemas[name].get("examples"), f"{method.upper()} {path}: {name}"
