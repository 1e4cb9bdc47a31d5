"""Logs: one JSON line per record (the default) carrying the id of the request being served,
and the access log, one line per answer, written in batches.

- Each log record gets the id of the request being served (``REQUEST_ID``, a context variable
  that ``api.middleware.EdgeMiddleware`` sets), also from the thread pool and from tasks a
  request starts.
- ``AccessLog`` gathers the access lines of a loop turn and writes them together when the
  service's own JSON handler is the one they reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson
from pythonjsonlogger.core import RESERVED_ATTRS

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("oceanapi.access")


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record: level, logger, message, exc_info and stack_info when set,
    the record's extra fields (request_id among them), time (ISO 8601, UTC).

    The lines python-json-logger's JsonFormatter wrote (same keys, same order, the same
    attributes taken as extra), at a fifth of its cost: orjson, and no field renaming or
    format-string parsing per record. One is written per request (the access log).
    """

    _reserved = frozenset(RESERVED_ATTRS)

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {}
        if record.exc_info:
            fields["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["exc_info"] = record.exc_text
        if record.stack_info:
            fields["stack_info"] = self.formatStack(record.stack_info)
        reserved = self._reserved
        for key, value in record.__dict__.items():
            if key not in reserved and not key.startswith("_"):
                fields[key] = value
        return self.line(record.levelname, record.name, record.getMessage(), fields, record.created)

    @staticmethod
    def line(level: str, logger: str, message: str, fields: dict[str, Any], created: float) -> str:
        """The JSON line of one record (``created``: seconds since the epoch)."""
        line = {"level": level, "logger": logger, "message": message, **fields}
        line["time"] = _iso_utc(created)
        return orjson.dumps(line, default=_jsonable, option=orjson.OPT_NON_STR_KEYS).decode()


_second: list[Any] = [None, ""]
"""The last whole second formatted by ``_iso_utc``, and its text."""


def _iso_utc(created: float) -> str:
    """``created`` (seconds since the epoch) in ISO 8601, UTC, to the microsecond, as
    ``datetime.isoformat`` writes it; the date and time of day formatted once a second."""
    second = int(created)
    if _second[0] != second:
        _second[:] = [second, datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")]
    micro = round((created - second) * 1_000_000)
    if micro >= 1_000_000:  # rounding reached the next second
        return datetime.fromtimestamp(created, tz=UTC).isoformat()
    return f"{_second[1]}.{micro:06d}+00:00" if micro else f"{_second[1]}+00:00"


def _jsonable(value: Any) -> Any:
    """What orjson cannot write itself: an exception as 'Type: message', anything else as str."""
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    return str(value)


class AccessLog:
    """The access log (``oceanapi.access``): one line per answer, "GET /path 200", with the
    answer's fields (method, path, query, route, status, duration, client, request id).

    Through ``logging`` a line cost about as much as the rest of a /health answer (a LogRecord,
    the caller's frame, filters, the formatter, a write). So when the one handler a line would
    reach is the service's own JSON handler (``configure_logging``'s, the usual case), the
    lines are kept as they are made and written at the end of the event loop's turn: formatted
    together (``JsonLineFormatter.line``, the text that handler would write) and written in one
    write. A line waits at most that turn; the lines keep their order. Under load several
    answers end in one turn, and the lines are formatted in one pass rather than between
    requests, where the code is not hot (``bench/metadata.py``; this machine's runs are too
    noisy to give this change a figure of its own). Any other arrangement (text format, another
    handler, a test's capture) logs each line at once, through ``logging``.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[dict[str, Any], float]] = []
        self.handler: logging.StreamHandler[Any] | None = None

    def add(self, fields: dict[str, Any]) -> None:
        """Log one answer; ``fields`` is kept (the caller gives it up)."""
        fields["request_id"] = REQUEST_ID.get()
        handler = _direct_handler()
        if handler is None:
            record = access_log.makeRecord(
                access_log.name, logging.INFO, __file__, 0, _message(fields), (), None, extra=fields
            )
            access_log.handle(record)
            return
        if handler is not self.handler:
            self.write()
            self.handler = handler
        if not self.pending:
            asyncio.get_running_loop().call_soon(self.write)
        self.pending.append((fields, time.time()))

    def write(self) -> None:
        """Write the lines kept so far."""
        pending, handler = self.pending, self.handler
        if not pending or handler is None:
            return
        self.pending = []
        name, end = access_log.name, handler.terminator
        text = "".join(
            JsonLineFormatter.line("INFO", name, _message(f), f, created) + end
            for f, created in pending
        )
        with handler.lock or contextlib.nullcontext():
            handler.stream.write(text)
            handler.flush()


def _message(fields: dict[str, Any]) -> str:
    """An access line's message: "GET /path 200"."""
    return f"{fields['method']} {fields['path']} {fields['status']}"


def _direct_handler() -> logging.StreamHandler[Any] | None:
    """The service's JSON handler when it is the only one an access record would reach, and
    passes it (level, filters) as it passes every record; else None."""
    found: logging.Handler | None = None
    logger: logging.Logger | None = access_log
    if access_log.filters:
        return None
    while logger is not None:
        for handler in logger.handlers:
            if found is not None:
                return None
            found = handler
        logger = logger.parent if logger.propagate else None
    if (
        isinstance(found, logging.StreamHandler)
        and isinstance(found.formatter, JsonLineFormatter)
        and found.level <= logging.INFO
        and all(isinstance(f, _RequestIdFilter) for f in found.filters)
    ):
        return found
    return None


class _RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure_logging(level: str, json: bool) -> None:
    """The service's log: our loggers at ``level``; JSON lines (or text) with the request id.

    uvicorn's own loggers, configured before the app is built, get the same format, so every
    line of the service's output parses alike.
    """
    if json:
        formatter: logging.Formatter = JsonLineFormatter()
    else:
        formatter = logging.Formatter("%(levelname)s %(name)s [%(request_id)s]: %(message)s")
    logger = logging.getLogger("oceanapi")
    logger.setLevel(level.upper())
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
    for name in ("oceanapi", "uvicorn", "uvicorn.error"):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(formatter)
            if not any(isinstance(f, _RequestIdFilter) for f in handler.filters):
                handler.addFilter(_RequestIdFilter())
