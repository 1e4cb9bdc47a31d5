"""A large collection's profile table kept on disk as Parquet: built once, read at the next
start, rebuilt when a file changes, its file paths valid after the catalog moves, and never
in the way when its folder cannot be written."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
import pytest

from catalog.observations import argo, index
from catalog.observations.collection import ObservationCollection
from schemas.catalog import DatasetEntry
from tests.conftest import SAMPLES

ARGO = SAMPLES / "5900865_prof.nc"


class Counting:
    """``argo.index_profiles``, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, files: Sequence[Path]) -> pd.DataFrame:
        self.calls += 1
        return argo.index_profiles(files)


@pytest.fixture
def floats(tmp_path: Path) -> list[Path]:
    """``CACHE_MIN_FILES`` copies of the sample file in a folder."""
    folder = tmp_path / "floats"
    folder.mkdir()
    files = []
    for i in range(index.CACHE_MIN_FILES):
        files.append(folder / f"{i:02d}_prof.nc")
        shutil.copy(ARGO, files[-1])
    return files


def test_the_table_is_kept_and_read_back(floats: list[Path], tmp_path: Path) -> None:
    build = Counting()
    stem = tmp_path / ".index" / "floats"
    first = index.cached(floats, stem, build)
    (kept,) = (tmp_path / ".index").glob("floats-*.parquet")
    assert build.calls == 1 and len(first) == 80 * len(floats)
    again = index.cached(floats, stem, build)
    assert build.calls == 1  # read from the Parquet copy, not the files
    pd.testing.assert_frame_equal(again, first)
    assert set(again["file"]) == {str(f) for f in floats}
    # the copy holds paths relative to its folder
    assert set(index.from_parquet(kept)["file"]) == {f"../floats/{f.name}" for f in floats}


def test_a_changed_file_rebuilds_the_table(floats: list[Path], tmp_path: Path) -> None:
    build = Counting()
    stem = tmp_path / ".index" / "floats"
    index.cached(floats, stem, build)
    later = floats[3].stat().st_mtime_ns + 10**9
    os.utime(floats[3], ns=(later, later))
    index.cached(floats, stem, build)
    assert build.calls == 2
    assert len(list((tmp_path / ".index").glob("floats-*.parquet"))) == 1  # the old one gone
    index.cached(floats[:-1], stem, build)  # a file removed
    assert build.calls == 3


def test_a_moved_catalog_keeps_its_index(floats: list[Path], tmp_path: Path) -> None:
    build = Counting()
    index.cached(floats, tmp_path / ".index" / "floats", build)
    moved = tmp_path.parent / f"{tmp_path.name}-moved"
    shutil.copytree(tmp_path, moved, copy_function=shutil.copy2)  # keeps the times
    files = [moved / "floats" / f.name for f in floats]
    table = index.cached(files, moved / ".index" / "floats", build)
    assert build.calls == 1  # the moved copy's index is read, not rebuilt
    assert set(table["file"]) == {str(f) for f in files}
    assert all(Path(f).is_file() for f in table["file"])


def test_a_folder_that_cannot_be_written_is_no_error(floats: list[Path], tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the index folder would be")
    table = index.cached(floats, blocked / "floats", argo.index_profiles)
    assert len(table) == 80 * len(floats)


def test_few_files_are_indexed_each_time(tmp_path: Path) -> None:
    build = Counting()
    index.cached([ARGO], tmp_path / ".index" / "one", build)
    index.cached([ARGO], tmp_path / ".index" / "one", build)
    assert build.calls == 2 and not (tmp_path / ".index").exists()


def test_a_collection_opened_twice_reads_its_index(floats: list[Path], tmp_path: Path) -> None:
    entry = DatasetEntry.model_validate(
        {
            "id": "floats",
            "title": "Twenty copies of float 5900865",
            "summary": "A test collection.",
            "licence": "CC-BY-4.0",
            "attribution": "Argo (doi:10.17882/42182)",
            "source": {"argo": "floats/*_prof.nc"},
        }
    )
    first = ObservationCollection.open(entry, tmp_path)
    (kept,) = (tmp_path / ".index").glob("floats-*.parquet")
    kept_at = kept.stat().st_mtime_ns
    second = ObservationCollection.open(entry, tmp_path)
    assert kept.stat().st_mtime_ns == kept_at
    pd.testing.assert_frame_equal(second.table, first.table)
    profile = second.profile(second.table["profile_id"].iloc[5])
    want = argo.read_profile(ARGO, int(second.table["row"].iloc[5]))
    assert profile.temperature.tolist() == pytest.approx(want.temperature.tolist(), nan_ok=True)


def test_a_download_costs_its_values_and_the_files_it_opens(
    floats: list[Path], tmp_path: Path
) -> None:
    """The data runner answers a page of profiles in the API process only when cheap: its
    estimate counts the values and ``FILE_COST`` per file opened, so the first profile of
    each of 20 files costs more than 20 profiles of one file."""
    from catalog.observations.jobs import FILE_COST, VALUES_PER_LEVEL, ObservationJob

    for k, path in enumerate(floats):  # each copy its own float, so ids differ
        with netCDF4.Dataset(path, "r+") as nc:
            nc["PLATFORM_NUMBER"][:] = netCDF4.stringtochar(
                np.array([f"{6900000 + k:<8d}"] * nc.dimensions["N_PROF"].size, "S8")
            )
    entry = DatasetEntry.model_validate(
        {
            "id": "floats",
            "title": "Twenty copies of float 5900865",
            "summary": "A test collection.",
            "licence": "CC-BY-4.0",
            "attribution": "Argo (doi:10.17882/42182)",
            "source": {"argo": "floats/*_prof.nc"},
        }
    )
    collection = ObservationCollection.open(entry, tmp_path)
    table = collection.table
    spread = table.groupby("file").head(1)  # one profile from each file
    together = table[table["file"] == table["file"].iloc[0]].head(len(spread))
    costs = []
    for rows in (spread, together):
        job = ObservationJob("floats", tuple(rows["profile_id"]), format="csv")
        levels = int(rows["n_levels"].sum())
        cost = job.estimate(collection, 10**9)
        assert cost == levels * VALUES_PER_LEVEL + FILE_COST * rows["file"].nunique()
        costs.append(cost)
    assert costs[0] > costs[1] + FILE_COST * 18
