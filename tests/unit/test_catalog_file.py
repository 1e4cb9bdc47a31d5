"""The catalog file is validated at start-up; errors name the file, the entry and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from api.settings import Settings
from catalog.errors import CatalogError
from tests.conftest import sample_entries, write_catalog


def broken(entries: list[dict[str, Any]], index: int, **changes: Any) -> list[dict[str, Any]]:
    """A copy of the entries with one entry's fields changed (None deletes the field)."""
    entry = dict(entries[index])
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return [*entries[:index], entry, *entries[index + 1 :]]


@pytest.mark.parametrize(
    ("changes", "index", "expected"),
    [
        ({"title": None}, 1, ["dataset 'glorys' (entry 2)", "field 'title'", "required"]),
        ({"id": "Bad Id!"}, 0, ["entry 1", "field 'id'", "pattern"]),
        ({"source": {"file": "x.nc"}}, 2, ["dataset 'wcofs'", "field 'source"]),
        ({"colour": "blue"}, 3, ["dataset 'giops'", "field 'colour'", "Extra inputs"]),
        (
            {"variables": {"sst": {"scale": [5, 1]}}},
            0,
            ["dataset 'ersst-v5'", "field 'variables.sst'", "min < max"],
        ),
        (
            {"vectors": [{"id": "c", "title": "C", "x": "u_sur", "y": "v_sur", "frame": "grid"}]},
            2,
            ["dataset 'wcofs'", "field 'vectors.0'", "needs 'angle'"],
        ),
        ({"id": "glorys"}, 0, ["top level", "used twice"]),
    ],
)
def test_invalid_entry_is_named(
    tmp_path: Path, changes: dict[str, Any], index: int, expected: list[str]
) -> None:
    path = write_catalog(tmp_path, broken(sample_entries(), index, **changes))
    with pytest.raises(CatalogError) as raised:
        create_app(Settings(catalog=path))
    message = str(raised.value)
    assert message.startswith(str(path))
    for fragment in expected:
        assert fragment in message


def test_missing_catalog_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read the catalog file"):
        create_app(Settings(catalog=tmp_path / "nope.yaml"))


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("datasets: [\n  - id: x\n  bad")
    with pytest.raises(CatalogError, match="not valid YAML"):
        create_app(Settings(catalog=path))


def test_empty_catalog(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("datasets: []\n")
    with pytest.raises(CatalogError, match="field 'datasets'"):
        create_app(Settings(catalog=path))


def test_catalog_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = sample_entries()[:1]
    entries[0]["source"]["path"] = str(Path(__file__).parents[2] / "samples" / "sst.mnmean.nc")
    path = write_catalog(tmp_path, entries)
    monkeypatch.setenv("OCEANAPI_CATALOG", str(path))
    assert create_app().state.catalog.ids == ["ersst-v5"]
