"""The catalog: every dataset of the catalog file, opened once and kept open."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from catalog.dataset import CatalogMismatch, OpenDataset
from catalog.errors import (
    CatalogError,
    DatasetNotFound,
    DatasetUnavailable,
    valid_values_hint,
    valid_values_sentence,
)
from catalog.opening import SourceUnreadable, open_source
from schemas.catalog import CatalogFile, DatasetEntry

log = logging.getLogger("oceanapi.catalog")


def load_catalog_file(path: Path) -> CatalogFile:
    """Read and validate a catalog file; CatalogError names the file, entry and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(_describe_errors(path, raw, exc)) from exc


def _describe_errors(path: Path, raw: Any, exc: ValidationError) -> str:
    lines = [f"{path}: invalid catalog"]
    for error in exc.errors():
        loc = list(error["loc"])
        where = "top level"
        if len(loc) >= 2 and loc[0] == "datasets" and isinstance(loc[1], int):
            index = loc[1]
            entry_id = None
            if isinstance(raw, dict) and isinstance(raw.get("datasets"), list):
                item = raw["datasets"][index] if index < len(raw["datasets"]) else None
                entry_id = item.get("id") if isinstance(item, dict) else None
            where = (
                f"dataset {entry_id!r} (entry {index + 1})" if entry_id else f"entry {index + 1}"
            )
            loc = loc[2:]
        # Drop pydantic's union-member tags such as 'FileSource' from the field path.
        fields = ".".join(str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper()))
        lines.append(f"  {where}: field '{fields or '(entry)'}': {error['msg']}")
    return "\n".join(lines)


@dataclass
class _Slot:
    """One catalog entry and the state of its source."""

    entry: DatasetEntry
    opened: OpenDataset | None = None
    reason: str | None = "not opened yet"
    last_attempt: float = float("-inf")


class Catalog:
    """The datasets of one catalog file; sources are opened lazily and stay open.

    A source that cannot be opened leaves its dataset unavailable (503) while every other
    dataset serves; it is tried again at most every ``retry_seconds``.
    """

    def __init__(self, path: Path, retry_seconds: float = 30.0) -> None:
        self.path = path.resolve()
        self.retry_seconds = retry_seconds
        self.file = load_catalog_file(self.path)
        self._slots = {entry.id: _Slot(entry) for entry in self.file.datasets}
        self._lock = threading.Lock()

    @property
    def ids(self) -> list[str]:
        """Dataset ids in catalog order."""
        return list(self._slots)

    def open_all(self) -> None:
        """Try to open every dataset not yet open and due, logging the ones that fail."""
        for dataset_id in self._slots:
            self._try_open(dataset_id)

    def entry(self, dataset_id: str) -> DatasetEntry:
        """The catalog entry, or DatasetNotFound naming the valid ids."""
        return self._slot(dataset_id).entry

    def unavailable_reason(self, dataset_id: str) -> str | None:
        """Why the dataset could not be served at the last attempt, or None when it can.

        Never blocks: it tries nothing. ``dataset()`` and ``open_all()`` retry.
        """
        return self._slot(dataset_id).reason

    def retry_due(self) -> bool:
        """Whether some unavailable dataset is due to be tried again (see ``open_all``)."""
        now = time.monotonic()
        return any(
            slot.opened is None and now - slot.last_attempt >= self.retry_seconds
            for slot in self._slots.values()
        )

    def dataset(self, dataset_id: str) -> OpenDataset:
        """The opened dataset, or DatasetNotFound / DatasetUnavailable."""
        slot = self._slot(dataset_id)
        opened = slot.opened or self._try_open(dataset_id)
        if opened is None:
            raise DatasetUnavailable(
                f"Dataset '{dataset_id}' is unavailable: {slot.reason}.",
                retry_after=int(self.retry_seconds),
            )
        return opened

    @contextmanager
    def reading(self, dataset_id: str) -> Iterator[OpenDataset]:
        """The opened dataset, for a block that reads its data.

        A source can break while it is served (a file truncated or replaced under us): the
        reader then raises OSError or RuntimeError (netCDF4's "NetCDF: HDF error"). That becomes
        DatasetUnavailable (503) and the source is closed, to be opened afresh after
        ``retry_seconds``; other datasets are not affected.
        """
        opened = self.dataset(dataset_id)
        try:
            yield opened
        except (OSError, RuntimeError) as exc:
            log.exception("dataset %s: reading failed; closing the source", dataset_id)
            reason = f"its source could not be read ({type(exc).__name__})"
            self._set_broken(dataset_id, opened, reason)
            raise DatasetUnavailable(
                f"Dataset '{dataset_id}' is unavailable: {reason}.",
                retry_after=int(self.retry_seconds),
            ) from None

    def _set_broken(self, dataset_id: str, opened: OpenDataset, reason: str) -> None:
        slot = self._slots[dataset_id]
        with self._lock:
            if slot.opened is opened:  # not yet reopened by another request
                slot.opened = None
                slot.reason = reason
                slot.last_attempt = time.monotonic()
                opened.close()

    def close(self) -> None:
        """Close every open source."""
        with self._lock:
            for slot in self._slots.values():
                if slot.opened is not None:
                    slot.opened.close()
                    slot.opened = None
                    slot.reason = "closed"

    def _slot(self, dataset_id: str) -> _Slot:
        try:
            return self._slots[dataset_id]
        except KeyError:
            raise DatasetNotFound(
                f"No dataset '{dataset_id}'. " + valid_values_sentence(self.ids),
                **valid_values_hint(self.ids),
            ) from None

    def _try_open(self, dataset_id: str) -> OpenDataset | None:
        slot = self._slots[dataset_id]
        with self._lock:
            if slot.opened is not None:
                return slot.opened
            now = time.monotonic()
            if now - slot.last_attempt < self.retry_seconds:
                return None
            slot.last_attempt = now
            try:
                ds = open_source(slot.entry.source, self.path.parent)
                try:
                    slot.opened = OpenDataset.build(slot.entry, ds)
                except Exception:
                    ds.close()
                    raise
            except SourceUnreadable as exc:
                slot.reason = str(exc)
            except CatalogMismatch as exc:
                slot.reason = str(exc)
            except Exception:
                log.exception("dataset %s: unexpected error while opening", dataset_id)
                slot.reason = "the source could not be interpreted"
            else:
                slot.reason = None
                log.info(
                    "dataset %s: opened (%d variables)", dataset_id, len(slot.opened.variables)
                )
                return slot.opened
            log.warning("dataset %s: unavailable: %s", dataset_id, slot.reason)
            return None
