"""Write samples/glorys_mesh.nc (or the path given), a small UGRID-1.0 triangular mesh made from
two bundled samples: ``python -m tools.make_mesh_sample [output.nc]``.

The mesh is real data in the layout FVCOM, SCHISM and ADCIRC write, built by rules simple
enough for a test to check every value against the sources:

- nodes: the GLORYS cell centres whose surface ``thetao`` is finite, row-major (latitude
  index j, then longitude index i), at exactly the GLORYS latitude and longitude;
- faces: each quad of cells (j, i), (j, i+1), (j+1, i+1), (j+1, i) gives two triangles split
  along (j, i)-(j+1, i+1) when all four corners are nodes, one triangle when exactly three
  are, none otherwise; quads row-major, nodes counter-clockwise in (lon, lat);
- on the nodes: ``thetao``, ``so``, ``uo``, ``vo`` (depth, node) and ``zos`` (node), the GLORYS
  values of the node's cell (2021-06-29; NaN kept where a deeper level is land);
- on the faces: ``sst`` (time, face), the 128 ERSST v5 months of the ERSST cell nearest to the
  face centroid (nearest latitude and nearest longitude, longitudes compared modulo 360);
- ``node_source_j/i`` and ``face_source_j/i``: the GLORYS and ERSST indices used, the truth
  for tests.

The output depends only on the two input files: running it twice gives the same values.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from api.settings import DEFAULT_CATALOG

SAMPLES = DEFAULT_CATALOG.parent
GLORYS = SAMPLES / "GLORYS_coarse_test_data.nc"
ERSST = SAMPLES / "sst.mnmean.nc"
OUTPUT = SAMPLES / "glorys_mesh.nc"

Index = npt.NDArray[np.int32]
Floats = npt.NDArray[np.float64]

NODE_VARIABLES = ("thetao", "so", "uo", "vo", "zos")
COPIED_ATTRS = ("standard_name", "long_name", "units")
GLORYS_DATE = "2021-06-29"
GLORYS_CREDIT = (
    "Generated using E.U. Copernicus Marine Service Information; "
    "GLOBAL_MULTIYEAR_PHY_001_030 (GLORYS12V1)"
)
ERSST_CREDIT = (
    "NOAA/NESDIS/NCEI ERSST v5 (Huang et al., 2017, doi:10.1175/JCLI-D-16-0836.1), via NOAA PSL"
)
ERSST_REFERENCE = (
    "Huang, B., et al., 2017: Extended Reconstructed Sea Surface Temperatures Version 5 "
    "(ERSSTv5): Upgrades, Validations, and Intercomparisons. J. Climate, "
    "doi:10.1175/JCLI-D-16-0836.1"
)
NODE_COORDINATES = "mesh_node_lon mesh_node_lat"
FACE_COORDINATES = "mesh_face_lon mesh_face_lat"
LON_ATTRS = {"standard_name": "longitude", "units": "degrees_east"}
LAT_ATTRS = {"standard_name": "latitude", "units": "degrees_north"}
COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}


def mesh_nodes(wet: npt.NDArray[np.bool_]) -> tuple[Index, Index]:
    """Latitude and longitude indices (j, i) of the wet cells, row-major: the nodes."""
    j, i = np.nonzero(wet)  # C order: j, then i
    return j.astype(np.int32), i.astype(np.int32)


def mesh_faces(wet: npt.NDArray[np.bool_], lon: Floats, lat: Floats) -> Index:
    """Triangles (face, 3) of node numbers from the quads of the grid, counter-clockwise in
    (lon, lat). ``wet`` is (lat, lon); ``lon`` and ``lat`` are the grid's 1-D coordinates."""
    number = np.full(wet.shape, -1, dtype=np.int64)
    number[wet] = np.arange(int(wet.sum()))
    triangles: list[list[tuple[int, int]]] = []
    for j in range(wet.shape[0] - 1):
        for i in range(wet.shape[1] - 1):
            quad = [(j, i), (j, i + 1), (j + 1, i + 1), (j + 1, i)]
            present = [cell for cell in quad if wet[cell]]
            if len(present) == 4:
                triangles += [[quad[0], quad[1], quad[2]], [quad[0], quad[2], quad[3]]]
            elif len(present) == 3:
                triangles.append(present)
    faces = np.empty((len(triangles), 3), dtype=np.int32)
    for k, triangle in enumerate(triangles):
        if _signed_area([(float(lon[i]), float(lat[j])) for j, i in triangle]) < 0:
            triangle = [triangle[0], triangle[2], triangle[1]]
        faces[k] = [number[cell] for cell in triangle]
    return faces


def _signed_area(points: list[tuple[float, float]]) -> float:
    """Twice the signed area of a triangle: positive when counter-clockwise."""
    (x0, y0), (x1, y1), (x2, y2) = points
    return (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)


def nearest_cells(
    lon: Floats, lat: Floats, grid_lon: Floats, grid_lat: Floats
) -> tuple[Index, Index]:
    """Indices (j, i) of the cell of a regular grid nearest to each point: the nearest
    latitude and the nearest longitude (modulo 360); on a tie, the lower index."""
    j = np.argmin(np.abs(lat[:, None] - grid_lat[None, :]), axis=1)
    east = np.abs((lon[:, None] - grid_lon[None, :] + 180.0) % 360.0 - 180.0)
    i = np.argmin(east, axis=1)
    return j.astype(np.int32), i.astype(np.int32)


def _attrs(source: xr.DataArray, **extra: str) -> dict[str, Any]:
    """The source's standard_name, long_name and units, and these."""
    kept = {key: source.attrs[key] for key in COPIED_ATTRS if key in source.attrs}
    return {**kept, **extra}


def build(glorys: xr.Dataset, ersst: xr.Dataset) -> xr.Dataset:
    """The mesh dataset from the GLORYS and ERSST samples (as opened by xarray)."""
    lat = glorys["latitude"].values.astype(np.float64)
    lon = glorys["longitude"].values.astype(np.float64)
    wet = np.isfinite(glorys["thetao"].isel(depth=0).values)
    node_j, node_i = mesh_nodes(wet)
    faces = mesh_faces(wet, lon, lat)
    node_lon, node_lat = lon[node_i], lat[node_j]
    face_lon, face_lat = node_lon[faces].mean(axis=1), node_lat[faces].mean(axis=1)

    ersst_lat = ersst["lat"].values.astype(np.float64)
    ersst_lon = ersst["lon"].values.astype(np.float64)
    face_j, face_i = nearest_cells(face_lon, face_lat, ersst_lon, ersst_lat)
    sst = ersst["sst"].values[:, face_j, face_i]

    on_node = {"mesh": "mesh", "location": "node", "coordinates": NODE_COORDINATES}
    on_face = {"mesh": "mesh", "location": "face", "coordinates": FACE_COORDINATES}
    glorys_comment = f"GLORYS12V1 daily mean of {GLORYS_DATE} at the node's GLORYS cell"
    node_data = {
        name: (
            (*glorys[name].dims[:-2], "node"),
            glorys[name].values[..., node_j, node_i],
            _attrs(glorys[name], **on_node, comment=glorys_comment),
        )
        for name in NODE_VARIABLES
    }
    sst_attrs = _attrs(
        ersst["sst"],
        standard_name="sea_surface_temperature",  # ERSST's sst has none
        **on_face,
        comment=(
            "NOAA ERSST v5 monthly mean of the ERSST 2-degree cell nearest to the face "
            "centroid: nearest latitude and nearest longitude (longitudes compared modulo "
            "360), the lower index on a tie"
        ),
    )
    return xr.Dataset(
        {
            "mesh": (
                (),
                np.int32(0),
                {
                    "cf_role": "mesh_topology",
                    "long_name": "Topology of a 2-D triangular mesh",
                    "topology_dimension": np.int32(2),
                    "node_coordinates": NODE_COORDINATES,
                    "face_node_connectivity": "mesh_face_nodes",
                    "face_coordinates": FACE_COORDINATES,
                    "face_dimension": "face",
                },
            ),
            "mesh_face_nodes": (
                ("face", "max_face_nodes"),
                faces,
                {
                    "cf_role": "face_node_connectivity",
                    "long_name": "Nodes of each triangle, counter-clockwise",
                    "start_index": np.int32(0),
                },
            ),
            **node_data,
            "sst": (("time", "face"), sst, sst_attrs),
            "node_source_j": (
                "node",
                node_j,
                {"long_name": "Latitude index of the node's cell in the GLORYS sample"},
            ),
            "node_source_i": (
                "node",
                node_i,
                {"long_name": "Longitude index of the node's cell in the GLORYS sample"},
            ),
            "face_source_j": (
                "face",
                face_j,
                {"long_name": "Latitude index of the ERSST cell used for the face"},
            ),
            "face_source_i": (
                "face",
                face_i,
                {"long_name": "Longitude index of the ERSST cell used for the face"},
            ),
        },
        coords={
            "mesh_node_lon": ("node", node_lon, {"long_name": "Node longitude", **LON_ATTRS}),
            "mesh_node_lat": ("node", node_lat, {"long_name": "Node latitude", **LAT_ATTRS}),
            "mesh_face_lon": (
                "face",
                face_lon,
                {"long_name": "Face centroid longitude", **LON_ATTRS},
            ),
            "mesh_face_lat": (
                "face",
                face_lat,
                {"long_name": "Face centroid latitude", **LAT_ATTRS},
            ),
            "depth": ("depth", glorys["depth"].values, dict(glorys["depth"].attrs)),
            "time": ("time", ersst["time"].values, dict(ersst["time"].attrs)),
        },
        attrs={
            "Conventions": "CF-1.11 UGRID-1.0",
            "title": "GLORYS12V1 and ERSST v5 on a UGRID-1.0 triangular mesh, North-East Atlantic",
            "summary": (
                "A small triangular mesh (UGRID-1.0, the layout of FVCOM, SCHISM and ADCIRC "
                "output) made from two bundled samples: its nodes are the ocean cells of the "
                f"coarsened GLORYS12V1 sample, with their temperature, salinity, currents and "
                f"sea surface height of {GLORYS_DATE} (6 depths); its triangles split the "
                "grid's quads, and carry the monthly NOAA ERSST v5 sea surface temperature "
                "(2010-01 to 2020-08) of the nearest ERSST cell. A test sample of real values, "
                "not a model run on a mesh."
            ),
            "source": (
                "GLORYS_coarse_test_data.nc (Copernicus Marine GLORYS12V1, "
                "GLOBAL_MULTIYEAR_PHY_001_030, coarsened) and sst.mnmean.nc (NOAA ERSST v5 "
                "monthly means, via NOAA PSL), both bundled in samples/"
            ),
            "history": "python -m tools.make_mesh_sample",
            "institution": (
                "Mercator Ocean International for the Copernicus Marine Service (GLORYS12V1); "
                "NOAA/NESDIS/NCEI (ERSST v5)"
            ),
            "acknowledgement": f"{GLORYS_CREDIT}. {ERSST_CREDIT}.",
            "references": ERSST_REFERENCE,
            "license": (
                "Node data (GLORYS12V1): Copernicus Marine Service licence, free use and "
                "redistribution with attribution. Face data (ERSST v5): no constraints on data "
                "access or use (US Government work)."
            ),
        },
    )


def encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """How each variable is written: compressed float32 data with NaN fill; coordinates,
    connectivity and indices without a fill value."""
    out: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        enc: dict[str, Any] = {} if var.ndim == 0 else dict(COMPRESSION)
        if name in ds.data_vars and var.dtype.kind == "f":
            enc.update(dtype="float32", _FillValue=np.float32(np.nan))
        else:
            enc["_FillValue"] = None
        if name == "sst":
            # Faces side by side share an ERSST cell: runs of equal values, which zlib finds
            # better unshuffled (about 110 KB instead of 170 KB)
            enc["shuffle"] = False
        if name == "time":
            enc.update(
                units="days since 1800-01-01", calendar="proleptic_gregorian", dtype="float64"
            )
        out[str(name)] = enc
    return out


def write(ds: xr.Dataset, target: Path) -> None:
    """Write the mesh dataset; only variables whose attributes name coordinates get a
    ``coordinates`` attribute (not the connectivity, nor the index variables)."""
    ds = ds.copy()
    for name in ds.data_vars:
        if "coordinates" not in ds[name].attrs:
            ds[name].encoding["coordinates"] = None
    ds.to_netcdf(target, format="NETCDF4", engine="netcdf4", encoding=encoding(ds))


def main(output: Path | None = None) -> None:
    """Build the mesh from the bundled samples and write it (to samples/ by default)."""
    target = output or OUTPUT
    with xr.open_dataset(GLORYS) as glorys, xr.open_dataset(ERSST) as ersst:
        ds = build(glorys.load(), ersst.load())
    write(ds, target)
    print(
        f"wrote {target}: {ds.sizes['node']} nodes, {ds.sizes['face']} faces, "
        f"{target.stat().st_size} bytes"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
