"""Service settings from OCEANAPI_* environment variables (nested with '__')."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog.geo import MAX_PATH_VERTICES
from plotting.backends import DaskSettings
from plotting.data_runner import DataSettings
from plotting.params import MAX_PIXELS
from plotting.runner import PlotSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = REPO_ROOT / "samples" / "catalog.yaml"
DEFAULT_DOCS_DIR = REPO_ROOT / "docs" / "site"


class Settings(BaseSettings):
    """Everything an operator can configure. Which datasets exist is the catalog's business."""

    model_config = SettingsConfigDict(env_prefix="OCEANAPI_", env_nested_delimiter="__")

    catalog: Path = Field(
        default=DEFAULT_CATALOG,
        description="Catalog file (YAML) listing the datasets to serve.",
    )
    dataset_retry_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How often an unavailable dataset's source is tried again.",
    )
    times_page_max: int = Field(
        default=10_000, ge=1, description="Largest page of time instants one request may ask for."
    )
    max_values: int = Field(
        default=2_000_000,
        ge=1,
        description="Largest number of values one data request may read (413 beyond).",
    )
    max_image_pixels: int = Field(
        default=MAX_PIXELS,
        ge=64 * 64,
        le=4096 * 4096,
        description="Largest image (width x height, in pixels) one plot request may ask for.",
    )
    max_path_points: int = Field(
        default=MAX_PATH_VERTICES,
        ge=2,
        description="Most vertices a path (transect, Hovmöller, EDR trajectory) may have.",
    )
    max_client_requests: int = Field(
        default=8,
        ge=0,
        description="Requests one client (IP address) may have in flight; beyond, 429 (0: no "
        "limit). Behind a proxy, uvicorn takes the client from X-Forwarded-For when the proxy "
        "is trusted (--forwarded-allow-ips).",
    )
    cors_origins: list[str] = Field(
        default=["*"],
        description='Origins whose web pages may fetch from the API (CORS), as JSON: ["*"] '
        "for any, [] for none.",
    )
    docs_dir: Path = Field(
        default=DEFAULT_DOCS_DIR,
        description="Folder of the built documentation pages (committed; `make docs` rebuilds it).",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="Log lines as JSON objects (with the request id) or as plain text.",
    )
    plot: PlotSettings = Field(
        default_factory=PlotSettings, description="The plot runner (OCEANAPI_PLOT__WORKERS ...)."
    )
    data: DataSettings = Field(
        default_factory=DataSettings,
        description="Where data queries run: small ones here, large ones in the data workers "
        "(OCEANAPI_DATA__WORKERS, OCEANAPI_DATA__INLINE_MAX_VALUES ...).",
    )
    dask: DaskSettings = Field(
        default_factory=DaskSettings,
        description="The Dask cluster for OCEANAPI_PLOT__BACKEND=dask or OCEANAPI_DATA__BACKEND="
        "dask (OCEANAPI_DASK__SCHEDULER).",
    )

    @model_validator(mode="after")
    def _dask_needs_a_scheduler(self) -> Settings:
        for name, backend in (("PLOT", self.plot.backend), ("DATA", self.data.backend)):
            if backend == "dask" and not self.dask.scheduler:
                raise ValueError(
                    f"OCEANAPI_{name}__BACKEND=dask needs OCEANAPI_DASK__SCHEDULER, the "
                    "scheduler's address (e.g. tcp://127.0.0.1:8786)"
                )
        if self.data.backend == "dask" and self.data.spool_dir is None:
            raise ValueError(
                "OCEANAPI_DATA__BACKEND=dask needs OCEANAPI_DATA__SPOOL_DIR, a folder the "
                "service and every Dask worker see at the same path (a shared file system)"
            )
        return self
