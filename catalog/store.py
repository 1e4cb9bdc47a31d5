"""The catalog: every dataset of the catalog file, opened once and kept open."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
from catalog.observations.collection import CollectionUnreadable, ObservationCollection
from catalog.opening import SourceUnreadable, open_source
from catalog.sources import SourceVersion, Stamp, source_stamp
from schemas.catalog import OBSERVATION_SOURCES, CatalogFile, DatasetEntry

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


@dataclass(eq=False)
class _Slot:
    """One catalog entry, the state of its source, and who is reading which opening of it."""

    entry: DatasetEntry
    opened: OpenDataset | None = None
    reason: str | None = "not opened yet"
    last_attempt: float = float("-inf")
    stamp: Stamp | None = None
    """The source's identity when last seen (opened, failed, checked); None: missing, or a URL."""
    checked: float = float("-inf")
    generation: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    readers: dict[OpenDataset, int] = field(default_factory=dict)
    """Blocks of ``Catalog.reading`` in progress, per opening."""
    retiring: set[OpenDataset] = field(default_factory=set)
    """Openings replaced while read: each is closed when its last reader is done."""


@dataclass(eq=False)
class _Collection:
    """One observation entry and its index, once built."""

    entry: DatasetEntry
    opened: ObservationCollection | None = None
    reason: str = "not indexed yet"
    last_attempt: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


class Catalog:
    """The datasets of one catalog file; sources are opened lazily and stay open.

    A source that cannot be opened leaves its dataset unavailable (503) while every other
    dataset serves; it is tried again at most every ``retry_seconds``, and at once when its
    files change.

    ``check_seconds`` (the API process): when a dataset is used, its source's files are stamped
    (``catalog.sources``) at most this often; a changed source is reopened (a new generation,
    its metadata rebuilt), a missing one makes the dataset unavailable. None (a worker): the
    catalog never checks on its own; ``reading`` follows the version each job carries.
    """

    def __init__(
        self, path: Path, retry_seconds: float = 30.0, check_seconds: float | None = 2.0
    ) -> None:
        self.path = path.resolve()
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.file = load_catalog_file(self.path)
        gridded = [e for e in self.file.datasets if not isinstance(e.source, OBSERVATION_SOURCES)]
        self._slots = {entry.id: _Slot(entry) for entry in gridded}
        self._collections = {
            entry.id: _Collection(entry)
            for entry in self.file.datasets
            if isinstance(entry.source, OBSERVATION_SOURCES)
        }

    @property
    def ids(self) -> list[str]:
        """Gridded dataset ids in catalog order (observation collections: ``collection_ids``)."""
        return list(self._slots)

    @property
    def collection_ids(self) -> list[str]:
        """Observation collection ids in catalog order."""
        return list(self._collections)

    def collection(self, collection_id: str) -> ObservationCollection:
        """The indexed observation collection (indexed on first use); DatasetNotFound or
        DatasetUnavailable (its files missing or not Argo or CF DSG files)."""
        found = self._collections.get(collection_id)
        if found is None:
            valid = self.collection_ids
            raise DatasetNotFound(
                f"No observation collection '{collection_id}'. " + valid_values_sentence(valid),
                **valid_values_hint(valid),
            )
        with found.lock:
            self._index_if_due(found)
            if found.opened is None:
                raise DatasetUnavailable(
                    f"Observation collection '{collection_id}' is unavailable: {found.reason}.",
                    retry_after=int(self.retry_seconds),
                )
            return found.opened

    def collection_state(
        self, collection_id: str
    ) -> tuple[DatasetEntry, ObservationCollection | None, str]:
        """(its entry, the collection if indexed else None, why not), as it stands: never
        blocks."""
        found = self._collections[collection_id]
        return found.entry, found.opened, found.reason

    def _index_if_due(self, found: _Collection) -> None:
        """Index a collection not yet indexed, at most every ``retry_seconds`` (lock held)."""
        if found.opened is None and time.monotonic() - found.last_attempt >= self.retry_seconds:
            self._index(found)

    def _index(self, found: _Collection) -> None:
        found.last_attempt = time.monotonic()
        try:
            found.opened = ObservationCollection.open(found.entry, self.path.parent)
            found.reason = ""
            log.info(
                "observations %s: indexed %d profiles of %d platforms",
                found.entry.id,
                len(found.opened.table),
                len(found.opened.platforms),
            )
        except CollectionUnreadable as exc:
            found.reason = str(exc)
            log.warning("observations %s: unavailable: %s", found.entry.id, found.reason)

    def open_all(self) -> None:
        """Open every dataset not yet open and due a retry, check the sources due a check,
        logging the ones that fail; index the observation collections not yet indexed."""
        for slot in self._slots.values():
            with slot.lock:
                self._refresh(slot)
        for found in self._collections.values():
            with found.lock:
                self._index_if_due(found)

    def entry(self, dataset_id: str) -> DatasetEntry:
        """The catalog entry, or DatasetNotFound naming the valid ids."""
        return self._slot(dataset_id).entry

    def unavailable_reason(self, dataset_id: str) -> str | None:
        """Why the dataset could not be served at the last attempt, or None when it can.

        Never blocks: it tries nothing. ``dataset()`` and ``open_all()`` retry and check.
        """
        return self._slot(dataset_id).reason

    def peek(self, dataset_id: str) -> OpenDataset | None:
        """The dataset as opened at the last attempt or check, or None; never blocks."""
        return self._slot(dataset_id).opened

    def refresh_due(self) -> bool:
        """Whether ``open_all`` has work: a dataset due a retry, or a source due a check."""
        now = time.monotonic()
        return any(
            self._retry_due(slot, now) or self._check_due(slot, now)
            for slot in self._slots.values()
        )

    def recheck(self, dataset_id: str) -> None:
        """Check the source at the next use, whatever the interval: a worker found it not as
        this process last saw it (changed, or unreadable), and the endpoints answered here
        must not go on serving the old version meanwhile. An observation collection (indexed
        once, never checked) is left as it is."""
        if dataset_id in self._collections:
            return
        self._slot(dataset_id).checked = float("-inf")

    def settled(self, dataset_id: str) -> bool:
        """Whether ``dataset()`` answers without touching the disk (open, and its source checked
        within ``check_seconds``); never blocks, so the event loop may ask."""
        slot = self._slot(dataset_id)
        return slot.opened is not None and not self._check_due(slot, time.monotonic())

    def dataset(self, dataset_id: str) -> OpenDataset:
        """The opened dataset, its source checked first when due; or DatasetNotFound /
        DatasetUnavailable. For metadata: a block that reads data uses ``reading``."""
        slot = self._slot(dataset_id)
        opened = slot.opened
        if opened is not None and not self._check_due(slot, time.monotonic()):
            return opened  # the usual case: no lock, no I/O
        with slot.lock:
            self._refresh(slot)
            return self._current(slot)

    @contextmanager
    def reading(
        self, dataset_id: str, version: SourceVersion | None = None
    ) -> Iterator[OpenDataset]:
        """The opened dataset, for a block that reads its data.

        ``version`` (in a worker): the version the API process admitted the job against. The
        worker opens that one if it has another, and answers DatasetUnavailable (503) when the
        source on disk is no longer it (it changed under us): it never decides on its own stat.

        The opening is held while the block runs: a newer one replacing it meanwhile closes it
        when the last block reading it ends, not under a reader. A source can break while it is
        served (a file truncated under us): the reader then raises OSError or RuntimeError
        (netCDF4's "NetCDF: HDF error"). That becomes DatasetUnavailable (503) and the source is
        closed, to be opened afresh when its files change or after ``retry_seconds``; other
        datasets are not affected.
        """
        slot = self._slot(dataset_id)
        with slot.lock:
            if version is None:
                self._refresh(slot)
            else:
                self._follow(slot, version)
            opened = self._current(slot)
            slot.readers[opened] = slot.readers.get(opened, 0) + 1
        try:
            yield opened
        except (OSError, RuntimeError) as exc:
            log.exception("dataset %s: reading failed; closing the source", dataset_id)
            reason = f"its source could not be read ({type(exc).__name__})"
            with slot.lock:
                if slot.opened is opened:  # not yet reopened by another request
                    self._drop(slot, reason)
            raise DatasetUnavailable(
                f"Dataset '{dataset_id}' is unavailable: {reason}.",
                retry_after=int(self.retry_seconds),
            ) from None
        finally:
            with slot.lock:
                left = slot.readers.pop(opened) - 1
                if left:
                    slot.readers[opened] = left
                elif opened in slot.retiring:
                    slot.retiring.discard(opened)
                    opened.close()

    def close(self) -> None:
        """Close every open source."""
        for slot in self._slots.values():
            with slot.lock:
                for old in slot.retiring:
                    old.close()
                slot.retiring.clear()
                if slot.opened is not None:
                    slot.opened.close()
                    slot.opened = None
                    slot.reason = "closed"

    def _slot(self, dataset_id: str) -> _Slot:
        try:
            return self._slots[dataset_id]
        except KeyError:
            if dataset_id in self._collections:
                raise DatasetNotFound(
                    f"'{dataset_id}' is an observation collection, not a gridded dataset: "
                    f"GET /api/v1/datasets/{dataset_id}/observations lists its profiles "
                    f"(gridded datasets: {', '.join(self.ids)}).",
                    **valid_values_hint(self.ids),
                ) from None
            raise DatasetNotFound(
                f"No dataset '{dataset_id}'. " + valid_values_sentence(self.ids),
                **valid_values_hint(self.ids),
            ) from None

    # The methods below run with the slot's lock held.

    def _check_due(self, slot: _Slot, now: float) -> bool:
        return self.check_seconds is not None and now - slot.checked >= self.check_seconds

    def _retry_due(self, slot: _Slot, now: float) -> bool:
        return slot.opened is None and now - slot.last_attempt >= self.retry_seconds

    def _current(self, slot: _Slot) -> OpenDataset:
        if slot.opened is None:
            raise DatasetUnavailable(
                f"Dataset '{slot.entry.id}' is unavailable: {slot.reason}.",
                retry_after=int(self.retry_seconds),
            )
        return slot.opened

    def _refresh(self, slot: _Slot) -> None:
        """Stamp the source when a check is due: reopen it when it changed (whether it was open
        or had failed), close it when it vanished; else retry a failed one when due."""
        now = time.monotonic()
        if self._check_due(slot, now):
            slot.checked = now
            try:
                stamp = source_stamp(slot.entry.source, self.path.parent)
            except SourceUnreadable as exc:  # missing: as good as a failed attempt to open
                if slot.opened is not None or slot.reason != str(exc):
                    log.warning("dataset %s: unavailable: %s", slot.entry.id, exc)
                self._drop(slot, str(exc))
                slot.stamp = None
                return
            if stamp != slot.stamp:
                if slot.opened is not None:
                    log.info("dataset %s: its source changed; reopening", slot.entry.id)
                    self._drop(slot, "its source changed")
                self._open(slot)
                return
        if self._retry_due(slot, now):
            self._open(slot)

    def _follow(self, slot: _Slot, version: SourceVersion) -> None:
        """Have the job's ``version`` open (in a worker), or raise DatasetUnavailable and leave
        the opening other jobs may still ask for."""
        opened = slot.opened
        if version.stamp is None:  # a URL: never checked, opened as without a version
            if opened is None and self._retry_due(slot, time.monotonic()):
                self._open(slot)
            return
        if opened is not None and opened.version.stamp == version.stamp:
            return
        if (
            opened is None
            and slot.stamp == version.stamp
            and not self._retry_due(slot, time.monotonic())
        ):
            return  # this very version failed lately: _current says why
        try:
            on_disk = source_stamp(slot.entry.source, self.path.parent)
        except SourceUnreadable:
            on_disk = None
        if on_disk != version.stamp:
            raise self._changing(slot)
        if opened is not None:
            self._drop(slot, "a newer version of its source was asked for")
        self._open(slot, version.generation)
        if slot.opened is not None and slot.opened.version.stamp != version.stamp:
            self._drop(slot, "its source changed while it was being opened")
            raise self._changing(slot)

    def _changing(self, slot: _Slot) -> DatasetUnavailable:
        log.warning("dataset %s: the source on disk is not the version asked for", slot.entry.id)
        return DatasetUnavailable(
            f"Dataset '{slot.entry.id}' is unavailable: its source changed while this request "
            "was on its way; try again.",
            retry_after=1,
        )

    def _drop(self, slot: _Slot, reason: str) -> None:
        """Make the dataset unavailable; its opening is closed now, or by its last reader."""
        old = slot.opened
        slot.opened = None
        slot.reason = reason
        slot.last_attempt = time.monotonic()
        if old is not None:
            if slot.readers.get(old):
                slot.retiring.add(old)
            else:
                old.close()

    def _open(self, slot: _Slot, generation: int | None = None) -> None:
        """Open the source, stamped before and after: one that changed meanwhile (being written)
        is not served, and is tried again at the next check. ``generation``: the API's number
        for it (in a worker); by default the next one."""
        dataset_id = slot.entry.id
        slot.last_attempt = time.monotonic()
        base = self.path.parent
        before: Stamp | None = None
        try:
            before = source_stamp(slot.entry.source, base)
            version = SourceVersion(
                slot.generation + 1 if generation is None else generation, before
            )
            ds = open_source(slot.entry.source, base)
            try:
                opened = OpenDataset.build(slot.entry, ds, version)
                after = source_stamp(slot.entry.source, base)
            except Exception:
                ds.close()
                raise
            if after != before:
                opened.close()
                raise SourceUnreadable("its source changed while it was being opened")
        except SourceUnreadable as exc:
            slot.reason = str(exc)
        except CatalogMismatch as exc:
            slot.reason = str(exc)
        except Exception:
            log.exception("dataset %s: unexpected error while opening", dataset_id)
            slot.reason = "the source could not be interpreted"
        else:
            slot.opened, slot.reason = opened, None
            slot.generation = version.generation
            slot.stamp = before
            derived = sum(1 for v in opened.variables.values() if v.derived)
            log.info(
                "dataset %s: opened (generation %d, %d variables, %d derived)",
                dataset_id,
                version.generation,
                len(opened.variables) - derived,
                derived,
            )
            return
        slot.stamp = before
        log.warning("dataset %s: unavailable: %s", dataset_id, slot.reason)
