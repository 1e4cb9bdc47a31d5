"""Routers that route cheaply, and routes that refuse query parameters they do not declare."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi._compat import ModelField, field_annotation_is_sequence
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import Match
from starlette.types import Scope

from catalog.errors import InvalidParameters


def route_params(route: object) -> Iterator[tuple[ModelField, str]]:
    """Every (parameter, 'query' or 'path') declared in a route's dependency tree."""
    dependant = getattr(route, "dependant", None)
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        yield from ((field, "query") for field in current.query_params)
        yield from ((field, "path") for field in current.path_params)


def declared_query_params(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """(every query parameter name, the ones that may repeat) of a route; a query parameter
    model contributes its fields."""
    names: set[str] = set()
    repeatable: set[str] = set()
    for field, location in route_params(route):
        if location != "query":
            continue
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            members = [(f.alias or n, f.annotation) for n, f in annotation.model_fields.items()]
        else:
            members = [(field.alias, annotation)]
        for name, member_annotation in members:
            names.add(name)
            if field_annotation_is_sequence(member_annotation):
                repeatable.add(name)
    return frozenset(names), frozenset(repeatable)


class CheckedRoute(APIRoute):
    """A route that answers 400 for a query parameter it does not declare, or a scalar one
    repeated: FastAPI ignores both silently, and a client that misspells ``limit`` as ``limt``
    deserves to know.

    The check runs in the route's own handler, before its dependencies are solved, and only
    when there is a query string. It was an app-wide dependency: FastAPI then solved a
    dependency tree for every request, /health's included, which cost a fifth of that answer
    (``bench/metadata.py``). Only the route's own declarations count: a router-level
    dependency's query parameters would have to be added here (none has any).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed, repeatable = declared_query_params(self)

        async def checked(request: Request) -> Response:
            if request.scope.get("query_string"):
                _check_query(request, allowed, repeatable)
            return await handler(request)

        return checked


def _check_query(request: Request, allowed: frozenset[str], repeatable: frozenset[str]) -> None:
    keys = [key for key, _ in request.query_params.multi_items()]
    problems: list[tuple[str, str, str]] = []
    for key in dict.fromkeys(keys):
        if key not in allowed:
            valid = ", ".join(sorted(allowed)) or "none"
            problems.append((key, f"unknown parameter; this operation accepts: {valid}", "query"))
        elif keys.count(key) > 1 and key not in repeatable:
            problems.append((key, "given more than once; give it once", "query"))
    if problems:
        raise InvalidParameters(problems)


class Router(APIRouter):
    """The service's APIRouter: its routes are ``CheckedRoute``s."""

    def __init__(self, **options: Any) -> None:
        super().__init__(route_class=CheckedRoute, **options)


API_V1 = "/api/v1"
"""Where version 1 of the native API is served."""
EDR = "/edr"
"""Where the OGC API - EDR facade is served."""


class PrefixedRouter(Router):
    """A Router of routes under one prefix that declines paths outside it at once; the app
    includes each such router itself, never one inside another.

    FastAPI (0.165) keeps an included router whole and asks every one of its routes whether it
    matches, its prefix unchecked, so a request for /health first tried each /api/v1 and /edr
    route: two thirds of that answer's time. A router included in another router costs more
    again: each level matches the request twice (once to choose, once to handle), which was a
    quarter of the dataset listing's time (``bench/metadata.py``). So each group of routes (the
    datasets, the data queries, the EDR queries…) is a PrefixedRouter with its full prefix,
    included by the app directly. Every route of it starts with the prefix's fixed part (up to
    a path parameter), so a path that does not can match none of them.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.fixed_prefix = self.prefix.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        start = len(root_path) if root_path and path.startswith(root_path) else 0
        if not path.startswith(self.fixed_prefix, start):
            return Match.NONE, {}
        return super().matches(scope)
