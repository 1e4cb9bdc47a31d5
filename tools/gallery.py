"""The plot gallery: every plot type on every bundled sample it applies to, and each map
projection, rendered through the API into docs/gallery/ with a page listing them
(``python -m tools.gallery``; ``make examples`` runs it).

The requests are the gallery's content: a place and time on each sample chosen to show
something (El Niño of 2015 on ERSST, the Rockall Trough on GLORYS, the Columbia River plume's
coast on WCOFS, the equatorial thermocline on GIOPS), so each image is one a reader would
put in a paper.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import REPO_ROOT

GALLERY = REPO_ROOT / "docs" / "gallery"
PAGE = GALLERY / "README.md"


@dataclass(frozen=True)
class Item:
    """One gallery image: a plot request and what it shows."""

    dataset: str
    plot: str
    caption: str
    params: dict[str, str | list[str]] = field(default_factory=dict)
    slug_extra: str = ""

    @property
    def slug(self) -> str:
        tail = f"-{self.slug_extra}" if self.slug_extra else ""
        return f"{self.dataset}-{self.plot}{tail}"

    @property
    def url(self) -> str:
        query = f"?{urlencode(self.params, doseq=True, safe=',;:')}" if self.params else ""
        return f"/api/v1/datasets/{self.dataset}/plots/{self.plot}{query}"

    @property
    def file(self) -> Path:
        return GALLERY / f"{self.slug}.png"


PROJECTIONS = ("plate-carree", "mercator", "north-polar-stereo", "south-polar-stereo", "robinson")
ENSO: dict[str, str | list[str]] = {"variable": "sst", "time": "2015-12-01"}
NE_ATLANTIC: dict[str, str | list[str]] = {"variable": "thetao", "bbox": "-17,46,8,70"}
ROCKALL = "-16,57;-8,57"
GIOPS_SECTION = "-160,2;-140,15"

ITEMS: tuple[Item, ...] = (
    # ERSST v5: monthly global SST, 2010-2020
    Item("ersst-v5", "map", "SST in December 2015, at the peak of El Niño", ENSO),
    *(
        Item(
            "ersst-v5",
            "map",
            f"SST in December 2015, {projection.replace('-', ' ')} projection",
            {**ENSO, "projection": projection, "width": "600"},
            projection,
        )
        for projection in PROJECTIONS[1:]
    ),
    Item(
        "ersst-v5",
        "map",
        "North Atlantic SST in August 2015, colour scale fitted to the box (scale=auto)",
        {"variable": "sst", "time": "2015-08-01", "bbox": "-80,0,0,60", "scale": "auto"},
        "north-atlantic",
    ),
    Item(
        "ersst-v5",
        "timeseries",
        "SST in the Niño 3.4 box's centre (0°, 140°W), 2010-2020",
        {"variable": "sst", "lon": "-140", "lat": "0"},
    ),
    Item(
        "ersst-v5",
        "hovmoller",
        "SST along the equatorial Pacific, 150°E to 90°W: the 2015-16 El Niño",
        {"variable": "sst", "path": "150,0;-90,0", "scale": "auto"},
    ),
    Item(
        "ersst-v5",
        "map",
        "SST difference, December 2015 less December 2010: El Niño against La Niña",
        {**ENSO, "compare_time": "2010-12-01"},
        "difference",
    ),
    Item("ersst-v5", "colorbar", "The colour legend of the ERSST maps", {"variable": "sst"}),
    # GLORYS: 3-D daily fields west of the British Isles
    Item(
        "glorys",
        "map",
        "Potential temperature near the surface with currents and salinity contours",
        {**NE_ATLANTIC, "quiver": "current", "contour": "so"},
    ),
    *(
        Item(
            "glorys",
            "map",
            f"Potential temperature, {projection.replace('-', ' ')} projection",
            {**NE_ATLANTIC, "projection": projection},
            projection,
        )
        for projection in PROJECTIONS[1:]
    ),
    Item(
        "glorys",
        "map",
        "Potential temperature on the sea floor (depth=bottom)",
        {**NE_ATLANTIC, "depth": "bottom"},
        "bottom",
    ),
    Item(
        "glorys",
        "transect",
        "Potential temperature across the Rockall Trough along 57°N",
        {"variable": "thetao", "path": ROCKALL, "depth_max": "2000"},
    ),
    Item(
        "glorys",
        "map",
        "σ0 (TEOS-10 potential density anomaly) at 92 m, derived from thetao and so",
        {"variable": "sigma0", "depth": "92", "scale": "auto"},
        "sigma0",
    ),
    Item(
        "glorys",
        "map",
        "Mixed layer depth (σ0 0.03 kg m-3 above its 10 m value), derived with TEOS-10",
        {"variable": "mixed_layer_depth"},
        "mixed-layer-depth",
    ),
    Item(
        "glorys",
        "transect",
        "σ0 across the Rockall Trough along 57°N, GLORYS against its mesh (A, B and A − B)",
        {
            "variable": "sigma0",
            "path": ROCKALL,
            "depth_max": "2000",
            "compare_dataset": "glorys-mesh",
        },
        "difference",
    ),
    Item(
        "glorys",
        "profile",
        "Salinity profiles in the Rockall Trough and the Norwegian Sea",
        {"variable": "so", "lon": ["-12", "2"], "lat": ["57", "66"]},
    ),
    Item(
        "glorys",
        "ts",
        "T–S diagram of the abyssal plain, the Rockall Trough and the Norwegian Sea",  # noqa: RUF001
        {"lon": ["-17", "-12", "2"], "lat": ["50", "57", "66"]},
    ),
    Item(
        "glorys",
        "ts",
        "T–S diagram of every water column in the sample",  # noqa: RUF001
        {"bbox": "-18,46,8,71"},
        "box",
    ),
    Item(
        "glorys",
        "soundspeed",
        "Sound speed on the abyssal plain and in the Norwegian Sea, with their channel axes",
        {"lon": ["-17", "2"], "lat": ["50", "66"]},
    ),
    Item(
        "glorys",
        "matchup",
        "GLORYS against the profiles made from it with known offsets (glorys-matchup)",
        {"observations": "glorys-matchup"},
    ),
    Item("glorys", "colorbar", "The colour legend of salinity", {"variable": "so"}),
    # WCOFS: hourly surface currents off Oregon (curvilinear ROMS grid)
    Item(
        "wcofs",
        "map",
        "Surface current speed and direction off Oregon",
        {"variable": "surface-current", "quiver": "surface-current"},
    ),
    Item(
        "wcofs",
        "timeseries",
        "Surface current speed at 44.6°N 124.5°W",
        {"variable": "surface-current", "lon": "-124.5", "lat": "44.6"},
    ),
    Item(
        "wcofs",
        "hovmoller",
        "Eastward surface current along 44.6°N through the day",
        {"variable": "u_sur", "path": "-125.2,44.6;-124.2,44.6"},
    ),
    Item(
        "wcofs",
        "stick",
        "Surface current sticks at three places off Oregon through the day",
        {
            "variable": "surface-current",
            "lon": ["-124.8", "-124.5", "-125"],
            "lat": ["44.6", "44.3", "44.1"],
        },
    ),
    Item("wcofs", "colorbar", "The colour legend of eastward current", {"variable": "u_sur"}),
    # GIOPS: NEMO on a curvilinear grid, 50 depths, north-east tropical Pacific
    Item("giops", "map", "Sea surface temperature of the north-east tropical Pacific"),
    Item(
        "giops",
        "transect",
        "Temperature in the upper 500 m from 2°N 160°W to 15°N 140°W",
        {"path": GIOPS_SECTION, "depth_max": "500"},
    ),
    Item(
        "giops",
        "profile",
        "Temperature profiles at 5°N and 15°N, 150°W",
        {"lon": ["-150", "-150"], "lat": ["5", "15"]},
    ),
    Item("giops", "timeseries", "Temperature at 10°N 150°W", {"lon": "-150", "lat": "10"}),
    Item("giops", "hovmoller", "Temperature along 10°N", {"path": "-160,10;-140,10"}),
    Item("giops", "colorbar", "The colour legend of temperature"),
    # The UGRID mesh made from GLORYS (nodes) and ERSST (faces)
    Item("glorys-mesh", "map", "Potential temperature on the mesh's nodes", {"variable": "thetao"}),
    Item(
        "glorys-mesh",
        "map",
        "ERSST SST on the mesh's faces, August 2015",
        {"variable": "sst", "time": "2015-08-01", "scale": "auto"},
        "faces",
    ),
    Item(
        "glorys-mesh",
        "transect",
        "Potential temperature across the Rockall Trough, on the mesh",
        {"variable": "thetao", "path": ROCKALL, "depth_max": "2000"},
    ),
    Item(
        "glorys-mesh",
        "profile",
        "Salinity profile in the Rockall Trough, on the mesh",
        {"variable": "so", "lon": "-12", "lat": "57"},
    ),
    Item(
        "glorys-mesh",
        "timeseries",
        "ERSST SST on the face holding 57°N 12°W",
        {"variable": "sst", "lon": "-12", "lat": "57"},
    ),
    Item(
        "glorys-mesh",
        "hovmoller",
        "ERSST SST along 57°N, on the mesh's faces",
        {"variable": "sst", "path": ROCKALL, "scale": "auto"},
    ),
    Item(
        "glorys-mesh",
        "ts",
        "T–S diagram of the Rockall Trough's columns, on the mesh",  # noqa: RUF001
        {"bbox": "-16,54,-8,60"},
    ),
    Item(
        "glorys-mesh",
        "soundspeed",
        "Sound speed in the Rockall Trough, on the mesh",
        {"lon": "-12", "lat": "57"},
    ),
    Item(
        "glorys-mesh",
        "matchup",
        "The mesh against the same profiles, every value with qc=all: the flagged ones stand out",
        {"observations": "glorys-matchup", "qc": "all"},
    ),
    Item("glorys-mesh", "colorbar", "The colour legend of the mesh's temperature"),
)


def page() -> str:
    """The gallery page: each image with what it shows and the request behind it."""
    lines = [
        "# Plot gallery",
        "",
        "Every plot type on every bundled sample it applies to, and each map projection, as "
        "the service draws them with their defaults unless the request says otherwise. "
        "Regenerate with `make examples` (`python -m tools.gallery`); the request is under "
        "each image (prefix it with the server's address).",
        "",
    ]
    dataset = ""
    for item in ITEMS:
        if item.dataset != dataset:
            dataset = item.dataset
            lines += [f"## {dataset}", ""]
        lines += [
            f"### {item.caption}",
            "",
            f"![{item.caption}]({item.file.name})",
            "",
            f"`GET {item.url}`",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    """Render every item through the API into docs/gallery/ and write the page."""
    GALLERY.mkdir(parents=True, exist_ok=True)
    with TestClient(create_app()) as client:
        for item in ITEMS:
            response = client.get(item.url)
            if response.status_code != 200:
                sys.exit(f"{item.url}: {response.status_code} {response.text}")
            item.file.write_bytes(response.content)
            print(f"wrote {item.file.relative_to(REPO_ROOT)} from GET {item.url}")
    known = {item.file for item in ITEMS}
    for stale in GALLERY.glob("*.png"):
        if stale not in known:
            stale.unlink()
    PAGE.write_text(page(), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
