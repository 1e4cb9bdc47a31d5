"""Which version of a source is on disk: the identity of its files, and the version of a dataset.

A source file replaced (``mv`` of a new file over it: a new inode) or rewritten in place (a new
size or modification time) must not go on being served from the handle opened before: that
handle keeps the old inode's bytes, or reads a mix of old and new. A stamp, the identity of
every file of a source, is a cheap ``os.stat`` of each; two stamps that differ mean the source
changed. The API process's catalog is the authority: it stamps each source when it opens it
and again at most every ``check_seconds`` when the dataset is used, and numbers each opening
(the generation). Each job it hands to a worker carries the version it was admitted against,
so that the worker opens that version, or refuses, instead of deciding on its own stat.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from catalog.opening import SourceUnreadable
from schemas.catalog import FileSource, GlobSource, Source, ZarrSource

ZARR_METADATA = (".zmetadata", ".zgroup", ".zattrs", "zarr.json")
"""A Zarr store's own metadata files (v2 consolidated and plain, v3)."""
ZARR_ARRAY_METADATA = (".zarray", "zarr.json")
"""An array's metadata file (v2, v3): its shape changes when data is appended."""


class FileIdentity(NamedTuple):
    """One file as ``os.stat`` sees it: a replaced file has a new inode, a rewritten one a new
    size or modification time."""

    name: str
    device: int
    inode: int
    size: int
    mtime_ns: int


Stamp = tuple[FileIdentity, ...]
"""The identity of every file of a source, in a stable order."""


@dataclass(frozen=True)
class SourceVersion:
    """The version of a dataset an answer is made from.

    ``generation`` counts the openings of the dataset in the API process (it keys the plot
    cache); ``stamp`` is the source's identity when it was opened (None: not checked, a URL).
    """

    generation: int
    stamp: Stamp | None


UNVERSIONED = SourceVersion(0, None)
"""The version of a dataset opened without a catalog (tests, scripts)."""


def source_stamp(source: Source, base_dir: Path) -> Stamp | None:
    """The identity of the source's files now; None for a store given as a URL (not checked).

    A missing file, a glob matching nothing or a missing Zarr store is SourceUnreadable, as
    when opening. A local Zarr store is stamped by its folder and its metadata files (the
    store's and each array's): chunks are read from disk at every read, so a rewritten chunk is
    served at once; what a reopen must pick up is new metadata (a longer time axis, a new
    variable). A chunk rewritten with no metadata change is not noticed, and needs none.
    """
    match source:
        case FileSource(path=path):
            return (_identity(base_dir / path, path, f"source file '{path}' is missing"),)
        case GlobSource(glob=pattern):
            files = sorted(base_dir.glob(pattern))
            if not files:
                raise SourceUnreadable(f"no file matches '{pattern}'")
            return tuple(
                _identity(file, str(file.relative_to(base_dir)), f"a file of '{pattern}' vanished")
                for file in files
            )
        case ZarrSource(zarr=store):
            if "://" in store:
                return None
            return _zarr_stamp(base_dir / store, store)
    raise SourceUnreadable("unknown source kind")  # pragma: no cover - pydantic forbids this


def _identity(file: Path, name: str, missing: str) -> FileIdentity:
    try:
        st = file.stat()
    except FileNotFoundError:
        raise SourceUnreadable(missing) from None
    except OSError as exc:
        raise SourceUnreadable(f"source could not be read ({type(exc).__name__})") from None
    return FileIdentity(name, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _zarr_stamp(folder: Path, store: str) -> Stamp:
    stamp = [_identity(folder, store, f"Zarr store '{store}' is missing")]
    try:
        arrays = sorted(entry.name for entry in os.scandir(folder) if entry.is_dir())
    except OSError as exc:
        raise SourceUnreadable(f"source could not be read ({type(exc).__name__})") from None
    candidates = list(ZARR_METADATA) + [
        f"{array}/{meta}" for array in arrays for meta in ZARR_ARRAY_METADATA
    ]
    for name in candidates:
        with_name = folder / name
        if with_name.is_file():
            stamp.append(_identity(with_name, f"{store}/{name}", f"'{store}/{name}' vanished"))
    return tuple(stamp)
