"""The OGC API - Environmental Data Retrieval 1.1 facade, under /edr.

It answers from the same query engine as /api/v1, through ``catalog.edr``.
"""

from fastapi import APIRouter

from api.edr import pages, queries


def build_router() -> APIRouter:
    """The /edr routes: landing page, conformance, API document, collections, queries."""
    router = APIRouter(prefix="/edr")
    router.include_router(pages.router)
    router.include_router(queries.router)
    return router
