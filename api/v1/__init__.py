"""Version 1 of the native API, under /api/v1."""

from fastapi import APIRouter

from api.v1 import datasets, variables

router = APIRouter(prefix="/api/v1")
for module in (datasets, variables):
    router.include_router(module.router)
