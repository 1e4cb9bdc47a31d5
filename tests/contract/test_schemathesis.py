"""Schemathesis against openapi.yaml, every operation, over real HTTP to the real app.

Every operation of the committed document is called with generated requests, valid and
invalid, against uvicorn on loopback (the bundled catalog, the real plot process pool), and
every check runs on every response: no 5xx, a documented status code, content type, headers
and body, invalid requests rejected, valid requests accepted, unsupported methods 405.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import Case
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

from api.errors import RequestHeadTooLarge
from api.main import create_app
from api.settings import DEFAULT_CATALOG, REPO_ROOT, Settings
from plotting.runner import PlotSettings
from tests.e2e.live import serve

_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

DOCUMENT: dict[str, Any] = yaml.safe_load((REPO_ROOT / "openapi.yaml").read_text("utf-8"))

# A schema-valid request may still name a place outside a dataset's grid, a time with no step,
# a variable the dataset lacks (400), an unknown id (404) or more values than one answer may
# hold (413), a box with no height or a time range ending before it starts (400): no OpenAPI
# schema can say which, so for the operations that read data those are not rejections of
# valid data (a matchup: also a collection whose profiles no model step is near, a 400 naming
# tolerance). The rest keep the default: nothing valid may be refused.
DATA_OPERATIONS = (
    "^(query|plot|edrQuery|edrCollection$|getDataset|getVariable|getColormapPreview|getTile|"
    "getProblemType|listTimes|listDepths|listVariables|listObservations|getObservation|"
    "getPlatform|getMatchups)"
)
# A value far past its documented maxLength can make the whole request line longer than the
# server reads (64 KiB; multi-byte characters are 9 to 12 bytes once percent-encoded): the
# server refuses it with its 431 problem before the app sees it. That is a rejection too.
HEAD_TOO_LARGE = str(RequestHeadTooLarge.status)
REJECTIONS = {"expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, HEAD_TOO_LARGE]}
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {"negative_data_rejection": REJECTIONS},
        "operations": [
            {
                "include-operation-id-regex": DATA_OPERATIONS,
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
# their own): about 90 s for the 36 operations on two cores; raise it for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("OCEANAPI_FUZZ_EXAMPLES", "25"))


def fuzzing(max_examples: int) -> settings:
    """Hypothesis settings for a schemathesis run over real HTTP to the real pool.

    The cases are the same on every run (a CI failure is one anybody can reproduce) unless
    ``OCEANAPI_FUZZ_RANDOM=1`` asks for new ones, for a longer hunt.
    """
    return settings(
        max_examples=max_examples,
        deadline=None,  # real HTTP to a real pool: latency is not the property under test
        database=None,
        derandomize=os.environ.get("OCEANAPI_FUZZ_RANDOM") != "1",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    """The app under uvicorn on loopback (with the service's HTTP protocol); its base URL."""
    # The largest images the API allows (8 Mpx at 300 dpi) take seconds to draw on a loaded
    # machine: the time limit is not what this test is about.
    patient = Settings(catalog=DEFAULT_CATALOG, plot=PlotSettings(timeout=120))
    with serve(create_app(patient)) as base:
        yield base


@SCHEMA.parametrize()
@fuzzing(MAX_EXAMPLES)
def test_operation_conforms(case: Case[Any], live: str) -> None:
    case.call_and_validate(base_url=live, timeout=60)
