"""Content negotiation: the Accept header read once, properly (RFC 9110 §12.5.1).

Endpoints that can answer in several media types (data queries, plots, the EDR pages) call
``negotiate`` when the client gave no ``f``: an explicit ``f`` always wins over Accept. The
client's q-values decide; where it is indifferent (equal q, as under ``*/*`` or a browser's
``*/*;q=0.8``), the endpoint's own order of preference does, so the default is kept. ``q=0``
means "not acceptable": when Accept rules out everything the endpoint offers, the answer is
406 (NotAcceptable) naming what it offers. Endpoints with a single representation disregard
Accept, as RFC 9110 allows; so do the EDR navigation pages when Accept names neither of their
formats (``lenient``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fastapi import Request

from api.errors import NotAcceptable

VARY_ACCEPT = {"Vary": "Accept"}
"""The header an answer chosen by ``negotiate`` carries, so caches key it on Accept too."""


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header: ``type/subtype`` (either may be ``*``) and its q."""

    type: str
    subtype: str
    q: float

    @property
    def precedence(self) -> int:
        """How specific the range is: a more specific one overrides a wider one's q."""
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        """Whether ``media_type`` (parameters ignored) falls in this range."""
        kind, _, subtype = media_type.split(";")[0].strip().lower().partition("/")
        return self.type in {"*", kind} and self.subtype in {"*", subtype}


def parse_accept(header: str | None) -> list[MediaRange] | None:
    """The header's media ranges; None when it is absent, empty or holds no valid range.

    Media-type parameters other than q are ignored (none of our answers has a variant that
    differs by one). An element that cannot be read (no slash, a bad q) is skipped, and a
    header with nothing readable counts as absent: RFC 9110 lets a server disregard it.
    """
    ranges = []
    for element in (header or "").split(","):
        media, *params = (part.strip() for part in element.split(";"))
        kind, slash, subtype = media.lower().partition("/")
        if not slash or not kind or not subtype or (kind == "*" and subtype != "*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append(MediaRange(kind, subtype, q))
    return ranges or None


def quality(ranges: Sequence[MediaRange], *media_types: str) -> float | None:
    """The q the client gives a representation known by ``media_types`` (its own and its
    aliases): that of the most specific range matching any of them (the highest among
    equally specific ones); None when no range matches (not acceptable, unless the endpoint
    disregards such an Accept)."""
    matching = [r for r in ranges for m in media_types if r.matches(m)]
    if not matching:
        return None
    best = max(r.precedence for r in matching)
    return max(r.q for r in matching if r.precedence == best)


def negotiate(
    request: Request, offers: Mapping[str, Sequence[str]], *, lenient: bool = False
) -> str:
    """The key of the offer the client prefers, from its Accept header.

    ``offers`` maps each format key to the media types it satisfies (the first is the one the
    answer carries, the others aliases), in the endpoint's order of preference: the first is
    the default, given when Accept is absent and to ties. NotAcceptable (406) when Accept
    allows none of them; ``lenient``: then the default is given instead, unless Accept
    refuses it by name or wildcard with q=0 (RFC 9110 lets a server disregard the header).
    """
    ranges = parse_accept(request.headers.get("accept"))
    default = next(iter(offers))
    if ranges is None:
        return default
    scored = {key: quality(ranges, *media) or 0.0 for key, media in offers.items()}
    best = max(scored, key=lambda key: scored[key])  # the first of equals: the endpoint's order
    if scored[best] > 0:
        return best
    if lenient and quality(ranges, *offers[default]) is None:
        return default
    offered = list(dict.fromkeys(media[0].split(";")[0] for media in offers.values()))
    raise NotAcceptable(
        f"The Accept header allows none of the media types this endpoint answers: "
        f"{', '.join(offered)}. Accept one of them, or choose the format with `f`.",
        valid_values=offered,
    )
