"""The OGC API - Environmental Data Retrieval 1.1 facade, under /edr.

It answers from the same query engine as /api/v1, through ``catalog.edr``.
"""

from api.edr import pages, queries
from api.routing import PrefixedRouter


def build_router() -> PrefixedRouter:
    """The /edr routes: landing page, conformance, API document, collections, queries."""
    router = PrefixedRouter(prefix="/edr")
    router.include_router(pages.router)
    router.include_router(queries.router)
    return router
