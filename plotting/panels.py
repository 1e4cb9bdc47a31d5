"""The three panels of a difference plot (A, B and A − B): side by side or stacked, their
colour bars (one shared by A and B, a diverging one for the difference), titles and the
credit line.

Unlike the one-axes plots (``layout.arrange``), three panels with two colour bars are laid out
by matplotlib's constrained layout, within the canvas less the credit line: it aligns the
panels' margins across the row or column, which is what a reader compares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator

from plotting.figure import CREDIT_POINTS, TITLE_POINTS, wrap_text
from plotting.layout import DEFAULT_SIZE, EDGE, attach_canvas, clamp_side, points

Arrangement = Literal["rows", "columns"]
WIDE = 0.55
"""A map panel flatter than this (height / width) is stacked in rows, else side by side."""
PANEL_TITLE_POINTS = 8.0
PAD = 6.0
"""Between the panels and what is above and below them (points): constrained layout's 3
let a two-line panel title touch the figure's title."""
DIFFERENCE_CMAP = "balance"
"""cmocean's diverging map: white at zero, the difference's colour scale is symmetric."""

# What the decorations take, in points, for a canvas derived from a map's aspect.
_COLUMN_GAP = 44.0
"""Per panel side by side: its latitude labels and the gap to the next."""
_COLUMNS_DOWN = 20.0 + 2 * 12.0 + 16.0 + 48.0 + 14.0
"""Side by side: title, two lines of panel title, longitude labels, the colour bars below
with their labels, the credit line."""
_ROWS_ACROSS = 44.0 + 72.0
"""Stacked: latitude labels, the colour bars at the right with their labels."""
_ROW_DOWN = 2 * 12.0 + 16.0
"""Per stacked panel: two lines of title, longitude labels."""
_ROWS_DOWN = 20.0 + 14.0
"""Stacked: title and credit line."""


def arrangement(ratio: float | None) -> Arrangement:
    """Rows for wide panels (a flat map, a section), columns for the others."""
    return "rows" if ratio is not None and ratio < WIDE else "columns"


LABEL_POINTS = 50.0
"""What a longitude label takes along the axis ('157.5°W' in small type, and room either side),
in points: side by side, a map panel has as many as fit."""
EDGE_POINTS = 20.0
"""Side by side, no longitude label within this of a panel's side (in points), where it would
run into the next panel's."""


def column_ticks(x0: float, x1: float, width: int, dpi: int) -> list[float]:
    """The longitudes labelled under one of three map panels side by side (spanning ``x0`` to
    ``x1``) in a canvas ``width`` pixels wide: as many round ones as fit, none at its sides."""
    panel = max((width * 72.0 / dpi - 3 * _COLUMN_GAP) / 3, 1.0)
    margin = (x1 - x0) * EDGE_POINTS / panel
    count = max(1, int((panel - 2 * EDGE_POINTS) // LABEL_POINTS) + 1)
    locator = MaxNLocator(nbins=count, steps=[1, 2, 2.5, 5, 10])
    ticks = locator.tick_values(x0 + margin, x1 - margin)
    return [float(t) for t in ticks if x0 + margin <= t <= x1 - margin]


def canvas(width: int | None, height: int | None, dpi: int, ratio: float) -> tuple[int, int]:
    """The image size for three map panels of ``ratio`` (height / width) with a missing side
    derived from it (default width 800)."""
    if width is not None and height is not None:
        return width, height
    if arrangement(ratio) == "rows":
        across, per_panel, down = _ROWS_ACROSS, 3.0 * ratio, 3 * _ROW_DOWN + _ROWS_DOWN
    else:
        across, per_panel, down = 3 * _COLUMN_GAP, ratio / 3.0, _COLUMNS_DOWN
    if height is None:
        wide = width if width is not None else DEFAULT_SIZE[0]
        return wide, clamp_side(
            max(wide - points(across, dpi), 1.0) * per_panel + points(down, dpi)
        )
    return clamp_side(
        max(height - points(down, dpi), 1.0) / per_panel + points(across, dpi)
    ), height


def shaped(width: int | None, height: int | None, default: tuple[int, int]) -> tuple[int, int]:
    """The image size for panels of no fixed aspect: as asked, a missing side keeping the
    ``default`` size's shape."""
    if width is not None and height is not None:
        return width, height
    if width is not None:
        return width, clamp_side(width * default[1] / default[0])
    if height is not None:
        return clamp_side(height * default[0] / default[1]), height
    return default


def figure(
    width: int,
    height: int,
    dpi: int,
    arranged: Arrangement,
    share: str | None = None,
    compress: bool = True,
) -> tuple[Figure, list[Axes]]:
    """A figure of three panels in a row or a column, laid out by constrained layout within
    the canvas less the credit line; ``share``: 'x' or 'y', the axis the panels share;
    ``compress``: panels of a fixed aspect (maps) drawn together, the space left outside."""
    credit = points(CREDIT_POINTS * 1.5 + EDGE, dpi) / height
    engine = ConstrainedLayoutEngine(
        rect=(0.0, credit, 1.0, 1.0 - credit), compress=compress, h_pad=PAD / 72
    )
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout=engine)
    attach_canvas(fig)
    shape = (3, 1) if arranged == "rows" else (1, 3)
    kind: Any = share or False
    axes = fig.subplots(*shape, sharex=kind == "x", sharey=kind == "y").ravel().tolist()
    for ax, label in zip(axes, ("A", "B", "difference"), strict=True):
        ax.set_label(label)
    return fig, axes


def bars(
    fig: Figure, axes: Sequence[Axes], shared: Any, difference: Any, labels: tuple[str, str]
) -> None:
    """A colour bar shared by A and B, and the difference's: at the right of stacked panels,
    below panels side by side."""
    stacked = axes[0].get_subplotspec().get_geometry()[0] == 3  # type: ignore[union-attr]
    where: dict[str, Any] = (
        {"location": "right", "fraction": 0.04, "pad": 0.02}
        if stacked
        else {"location": "bottom", "fraction": 0.05, "pad": 0.02, "aspect": 30}
    )
    fig.colorbar(shared, ax=list(axes[:2]), label=labels[0], **where)
    fig.colorbar(difference, ax=axes[2], label=labels[1], **{**where, "aspect": 15})


def finish(
    fig: Figure, axes: Sequence[Axes], title: str, titles: Sequence[str], credit: str
) -> Figure:
    """The figure's title, each panel's (what it is: dataset, time, depth), the credit line."""
    width = fig.bbox.width
    fig.suptitle(wrap_text(title, width * 0.9, TITLE_POINTS, fig.dpi), fontweight="bold")
    across = len({round(ax.get_position().x0, 3) for ax in axes})  # panels side by side
    room = width / across * 0.95
    for ax, text in zip(axes, titles, strict=True):
        lines = [wrap_text(line, room, PANEL_TITLE_POINTS, fig.dpi) for line in text.split("\n")]
        ax.set_title("\n".join(lines), fontsize=PANEL_TITLE_POINTS, color="0.2")
    credit = wrap_text(credit, width, CREDIT_POINTS, fig.dpi, lines=1)
    fig.text(0.005, 0.004, credit, fontsize=CREDIT_POINTS, color="0.3", ha="left", va="bottom")
    return fig
