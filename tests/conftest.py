"""Shared fixtures: apps over the real sample files, and scratch catalogs for breaking them."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import xarray as xr
import yaml
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings

SAMPLES = DEFAULT_CATALOG.parent


def sample_entries() -> list[dict[str, Any]]:
    """The bundled catalog's entries, as plain dicts to edit."""
    entries: list[dict[str, Any]] = yaml.safe_load(DEFAULT_CATALOG.read_text())["datasets"]
    return entries


def sample_entry(entry_id: str) -> dict[str, Any]:
    """One entry of the bundled catalog, by id."""
    return next(e for e in sample_entries() if e["id"] == entry_id)


def gridded_entries() -> list[dict[str, Any]]:
    """The bundled catalog's gridded datasets (not its observation collections)."""
    return [e for e in sample_entries() if not {"argo", "dsg"} & set(e["source"])]


SERIES_ONLY = ("ersst-series",)
"""Bundled collections of CF time series and trajectories only: no profiles to plot or to
answer over EDR."""


def profile_collections() -> list[str]:
    """The bundled observation collections that hold profiles, in catalog order."""
    return [
        e["id"]
        for e in sample_entries()
        if e not in gridded_entries() and e["id"] not in SERIES_ONLY
    ]


def write_catalog(directory: Path, entries: list[dict[str, Any]]) -> Path:
    """Write a catalog file with these entries into ``directory``."""
    path = directory / "catalog.yaml"
    path.write_text(yaml.safe_dump({"datasets": entries}, sort_keys=False))
    return path


def write_glorys_zarr(store: Path, chunks: dict[str, int] | None = None) -> xr.Dataset:
    """Write the GLORYS sample as a Zarr v2 store with consolidated metadata, in these chunks
    (one depth level per chunk by default); return the sample, to compare values with."""
    raw = xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")
    raw.chunk(chunks or {"depth": 1}).to_zarr(store, zarr_format=2, consolidated=True)
    return raw


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """A client of the app over the bundled catalog, started once (lifespan included)."""
    with TestClient(create_app(Settings(catalog=DEFAULT_CATALOG))) as test_client:
        yield test_client


@pytest.fixture
def scratch_samples(tmp_path: Path) -> Path:
    """A copy of the samples folder that a test may break."""
    target = tmp_path / "samples"
    shutil.copytree(SAMPLES, target)
    return target


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Build started clients over a given catalog file; all are shut down after the test."""
    clients: list[TestClient] = []

    def build(catalog: Path, **settings: Any) -> TestClient:
        test_client = TestClient(
            create_app(Settings(catalog=catalog, **settings)), raise_server_exceptions=False
        )
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield build
    for test_client in clients:
        test_client.__exit__(None, None, None)


class Gate:
    """A file the probes given ``gate=str(gate)`` wait for: their jobs hold in the workers (a
    state a test can observe at leisure) until the test opens it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "gate"

    def __str__(self) -> str:
        return str(self.path)

    def open(self) -> None:
        self.path.touch()


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    """A closed gate, opened at the end of the test whatever happened (before its servers stop,
    when the test asks for the servers first)."""
    closed = Gate(tmp_path)
    yield closed
    closed.open()
