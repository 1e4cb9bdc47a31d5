"""Opening a catalog source as a lazy xarray Dataset."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from schemas.catalog import FileSource, GlobSource, Source, ZarrSource


class SourceUnreadable(Exception):
    """The source is missing or cannot be read; the message is safe to show users."""


def open_source(source: Source, base_dir: Path) -> xr.Dataset:
    """Open ``source`` lazily; paths are relative to ``base_dir`` (the catalog's folder).

    A single NetCDF file is opened without dask: xarray's lazy indexing then reads only the
    hyperslab a query selects, with none of dask's per-task overhead on small selections.
    Multi-file and Zarr sources get dask chunks (one per file or per stored chunk), so a
    selection reads only the chunks it touches.
    """
    try:
        match source:
            case FileSource(path=path):
                file = base_dir / path
                if not file.is_file():
                    raise SourceUnreadable(f"source file '{path}' is missing")
                return xr.open_dataset(file)
            case GlobSource(glob=pattern):
                files = sorted(base_dir.glob(pattern))
                if not files:
                    raise SourceUnreadable(f"no file matches '{pattern}'")
                return xr.open_mfdataset(
                    files,
                    combine="by_coords",
                    chunks={},
                    data_vars="minimal",
                    coords="minimal",
                    compat="override",
                    join="exact",
                )
            case ZarrSource(zarr=store, storage_options=options):
                location = store if "://" in store else str(base_dir / store)
                if "://" not in store and not Path(location).exists():
                    raise SourceUnreadable(f"Zarr store '{store}' is missing")
                zarr_ds: xr.Dataset = xr.open_zarr(
                    location, chunks={}, storage_options=options or None
                )
                return zarr_ds
    except SourceUnreadable:
        raise
    except Exception as exc:  # any reader error: corrupt file, wrong format, bad store
        raise SourceUnreadable(f"source could not be read ({type(exc).__name__})") from exc
    raise SourceUnreadable("unknown source kind")  # pragma: no cover - pydantic forbids this
