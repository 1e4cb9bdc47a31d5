"""Schemathesis against the EDR OpenAPI 3.0 document, over real HTTP to the real app.

Every operation of the document served at /edr/api is called with generated requests, valid
and invalid, against uvicorn on loopback (the bundled catalog, the real plot process pool),
and every check runs on every response: no 5xx, a documented status code, content type,
headers and body, invalid requests rejected, valid requests accepted, unsupported methods 405.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import Case

from api.edr.openapi import OPENAPI_MEDIA_TYPE, edr_openapi
from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from tests.contract.test_schemathesis import REJECTIONS, fuzzing
from tests.e2e.live import serve

# Hypothesis keeps its files (example database, caches) in ./.hypothesis; schemathesis starts
# generating while this module is collected, so from here on they go to a scratch directory.
_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

# One app: its EDR document is the schema under test and the live server serves it (a test
# below checks that /edr/api is this document). create_app reads the catalog file, which is
# all the document needs; the server's lifespan opens the datasets and starts the pool.
APP = create_app(Settings(catalog=DEFAULT_CATALOG))
DOCUMENT: dict[str, Any] = edr_openapi(APP)

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {"negative_data_rejection": REJECTIONS},
        "operations": [
            {
                # The data queries only. OGC API - EDR 1.1 gives a query 400, 404 and 413
                # answers besides its data, and this API 204 (documented) for a shape that
                # holds no cell centre: a schema-valid request may still name a place outside
                # the grid or a datetime with no time step (400), or ask for more values than
                # the service gives at once (413). No OpenAPI schema can express those rules,
                # so such answers are not rejections of valid data. The metadata operations
                # (landing page, conformance, API document, collections) keep the default
                # expected statuses, which exclude 400: nothing valid may be refused there.
                "include-operation-id-regex": "^edrQuery",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404", "413"]},
                    "negative_data_rejection": REJECTIONS,
                },
            }
        ],
    }
)
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)

# Generated cases per operation in the fuzzing phase (the examples and coverage phases add
# their own): about 30 s for the file on two cores when every check passes.
MAX_EXAMPLES = 200


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    """The app under uvicorn on loopback; the base URL (the document's paths start /edr)."""
    with serve(APP) as base:
        yield base


def test_the_served_document_is_the_one_under_test(live: str) -> None:
    response = httpx.get(f"{live}/edr/api", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == OPENAPI_MEDIA_TYPE
    assert response.json() == DOCUMENT
    assert sorted(DOCUMENT["paths"]) == [
        "/edr/",
        "/edr/api",
        "/edr/collections",
        "/edr/collections/{collectionId}",
        "/edr/collections/{collectionId}/area",
        "/edr/collections/{collectionId}/corridor",
        "/edr/collections/{collectionId}/cube",
        "/edr/collections/{collectionId}/items",
        "/edr/collections/{collectionId}/items/{itemId}",
        "/edr/collections/{collectionId}/locations",
        "/edr/collections/{collectionId}/locations/{locId}",
        "/edr/collections/{collectionId}/position",
        "/edr/collections/{collectionId}/radius",
        "/edr/collections/{collectionId}/trajectory",
        "/edr/conformance",
    ]


@SCHEMA.parametrize()
@fuzzing(MAX_EXAMPLES)
def test_edr_operation_conforms(case: Case[Any], live: str) -> None:
    case.call_and_validate(base_url=live, timeout=60)
