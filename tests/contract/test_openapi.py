"""The committed openapi.yaml is the app's document, and the document is complete."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

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
        if "application/json" in ok:
            assert "schema" in ok["application/json"], where
        else:  # images: every media type a binary string
            assert ok and all(
                c["schema"] == {"type": "string", "format": "binary"} for c in ok.values()
            ), where
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


def test_every_schema_field_is_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    for name, schema in schemas.items():
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
        assert schemas[name].get("examples"), f"{method.upper()} {path}: {name}"
