"""The OGC API - Environmental Data Retrieval 1.1 facade, under /edr (``api.routing.EDR``).

It answers from the same query engine as /api/v1, through ``catalog.query.shapes``.
"""

from api.edr import observations, pages, queries
from api.routing import PrefixedRouter


def build_routers() -> list[PrefixedRouter]:
    """The /edr routers (landing page, conformance, API document, collections; queries), each
    for the app to include itself (``PrefixedRouter`` says why)."""
    return [pages.router, queries.router, observations.router]
