"""The baseline: a bare FastAPI hello-world, served by the same uvicorn settings as the service."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    """A FastAPI app with one JSON route and nothing else."""
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app
