"""Version 1 of the native API, under /api/v1."""

from fastapi import APIRouter

from api.v1 import data, datasets, variables

router = APIRouter(prefix="/api/v1")
for module in (datasets, variables, data):
    router.include_router(module.router)
