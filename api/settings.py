"""Service settings from OCEANAPI_* environment variables (nested with '__')."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog.geo import MAX_PATH_VERTICES
from plotting.backends import DaskSettings
from plotting.data_runner import DataSettings
from plotting.params import MAX_PIXELS
from plotting.runner import PlotSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = REPO_ROOT / "samples" / "catalog.yaml"
DEFAULT_DOCS_DIR = REPO_ROOT / "docs" / "site"
MAX_CONNECTIONS = 10_000


def default_max_connections() -> int:
    """10,000 connections, or fewer when the process may not open that many files: a quarter
    of the open-file limit (at least 256) is left to the worker pools' pipes, the datasets'
    files, spool files and the refusals themselves, so the cap is reached before the limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(1, min(MAX_CONNECTIONS, soft - max(256, soft // 4)))


class ServerSettings(BaseModel):
    """The HTTP server's connection limits and address (OCEANAPI_SERVER__*); the protocol in
    api/server.py enforces them before a request reaches the app."""

    host: str = Field(default="127.0.0.1", description="Address `python -m api` binds.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `python -m api` listens on.")
    head_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds from the first byte of a request to the end of its headers; "
        "beyond, 408 and the connection is closed (a slow sender holds no connection).",
    )
    idle_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a connection may wait with no request begun (after connecting or "
        "after an answer) before it is closed.",
    )
    max_head_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Most bytes of a request line and headers together; beyond, 431.",
    )
    max_headers: int = Field(
        default=100, ge=1, description="Most header fields in one request; beyond, 431."
    )
    max_connections: int = Field(
        default_factory=default_max_connections,
        ge=1,
        description="Open connections beyond which a new one is answered 503 and closed at once "
        "(default: 10,000, or less to stay well under the open-file limit).",
    )


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
    source_check_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How often, at most, a dataset's source files are checked (os.stat) when "
        "the dataset is used: a file replaced or rewritten is reopened, one removed makes the "
        "dataset unavailable (0: at every use).",
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
        "limit). Behind a proxy, the client is X-Forwarded-For's when the proxy is trusted "
        "(OCEANAPI_FORWARDED_ALLOW_IPS).",
    )
    public_url: AnyHttpUrl | None = Field(
        default=None,
        description="The URL clients reach the service at, e.g. https://ocean.example.org/"
        "api-root: absolute links are built from it, whatever the request's Host or "
        "X-Forwarded-* headers say. A path is the prefix a proxy strips before forwarding "
        "(uvicorn's --root-path). Unset: links follow the request, as trusted below.",
    )
    forwarded_allow_ips: list[str] = Field(
        default=["127.0.0.1", "::1"],
        description='Peers trusted as proxies, as JSON: addresses or networks ("10.0.0.0/8"), '
        '["*"] for any. From these only, X-Forwarded-For names the client (per-client limit, '
        "access log) and X-Forwarded-Proto and X-Forwarded-Host the scheme and host of links. "
        "Replaces uvicorn's --forwarded-allow-ips: run uvicorn with --no-proxy-headers.",
    )
    allowed_hosts: list[str] = Field(
        default=["localhost", "127.0.0.1", "::1"],
        description='Host names links may carry from the Host header, as JSON (["*"]: any). '
        "Another Host is served all the same, its links naming the address the connection "
        "arrived at, so a spoofed Host never reaches a link (the address the connection "
        "arrived at is always allowed).",
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
    server: ServerSettings = Field(
        default_factory=ServerSettings,
        description="The HTTP server's connection limits (OCEANAPI_SERVER__HEAD_TIMEOUT, "
        "OCEANAPI_SERVER__MAX_CONNECTIONS ...).",
    )
    dask: DaskSettings = Field(
        default_factory=DaskSettings,
        description="The Dask cluster for OCEANAPI_PLOT__BACKEND=dask or OCEANAPI_DATA__BACKEND="
        "dask (OCEANAPI_DASK__SCHEDULER).",
    )

    @field_validator("public_url")
    @classmethod
    def _a_base_url(cls, url: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if url is not None and (url.query or url.fragment or url.username):
            raise ValueError("give a base URL: scheme, host, port and path only")
        return url

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
