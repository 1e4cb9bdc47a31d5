"""Routers that route cheaply."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class PrefixedRouter(APIRouter):
    """An APIRouter, included at the top level, that declines paths outside its prefix at once.

    FastAPI (0.165) keeps an included router whole and asks every one of its routes whether it
    matches, its prefix unchecked, so a request for /health first tried each /api/v1 and /edr
    route: two thirds of that answer's time (bench/metadata.py). Every route of this router
    starts with its prefix, so a path that does not can match none of them.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if not path.startswith(self.prefix, len(root_path) if path.startswith(root_path) else 0):
            return Match.NONE, {}
        return super().matches(scope)
