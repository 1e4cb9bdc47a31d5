"""Figures without pyplot: a Figure sized in pixels, titles and credit line, fast encoding."""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from plotting import layout

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
CREDIT_POINTS = 6.5
TITLE_POINTS = 10.8  # "large" at font.size 9

mpl.rcParams.update(
    {
        "svg.hashsalt": "oceanapi",  # the same plot gives the same SVG bytes (stable ETags)
        "svg.fonttype": "none",
        "axes.titlesize": "medium",
        "figure.titlesize": "large",
        "font.size": 9,
        # compact decorations: the axes and colour bar keep most of the canvas (layout.py)
        "xtick.labelsize": "small",
        "ytick.labelsize": "small",
        "xtick.major.pad": 2.5,
        "ytick.major.pad": 2.5,
        "axes.labelpad": 3.0,
        # glyphs drawn without running the font's hinting program: a quarter less time on
        # text, the most of what a plot costs beyond its data (bench/map_floor.py); the same
        # text to the eye at these sizes
        "text.hinting": "no_hinting",
        "path.simplify": True,
        "agg.path.chunksize": 10000,
    }
)

_SAVE: dict[str, dict[str, Any]] = {
    # zlib level 1: about 4x faster than the default 6, a few per cent larger on plots
    "png": {"pil_kwargs": {"compress_level": 1}, "metadata": {"Software": None}},
    "svg": {"metadata": {"Date": None}},
    "pdf": {"metadata": {"CreationDate": None}},
}


def new_figure(width: int | None, height: int | None, dpi: int, box: float | None = None) -> Figure:
    """A figure of width x height pixels; a missing side follows the plot's natural shape
    (``box``: the axes' height / width for a plot with a fixed aspect, see
    ``layout.canvas_size``). ``annotate`` lays it out."""
    width, height = layout.canvas_size(width, height, dpi, box)
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    layout.attach_canvas(fig)
    return fig


def annotate(fig: Figure, title: str, dataset: str, subtitle: str, credit: str) -> None:
    """Title; the dataset and what was drawn (time, depth actually used); the credit line;
    then the layout (``layout.arrange``): the title wrapped to the width centred over the
    axes, laid out again if that changed its lines."""
    width_px = fig.bbox.width
    ax = layout.main_axes(fig)
    text_width = width_px * 0.8
    heading = fig.suptitle("", fontweight="bold", fontsize=TITLE_POINTS)
    ax.set_title("", fontsize=8, color="0.25")
    credit = wrap_text(credit, width_px, CREDIT_POINTS, fig.dpi, lines=1)
    fig.text(0.005, 0.004, credit, fontsize=CREDIT_POINTS, color="0.3", ha="left", va="bottom")
    shown: tuple[str, str] | None = None
    for _ in range(3):
        lines = [wrap_text(dataset, text_width, 8, fig.dpi)] + (
            [wrap_text(subtitle, text_width, 8, fig.dpi)] if subtitle else []
        )
        wrapped = (wrap_text(title, text_width, TITLE_POINTS, fig.dpi), "\n".join(lines))
        if wrapped == shown:
            break
        shown = wrapped
        heading.set_text(wrapped[0])
        ax.set_title(wrapped[1], fontsize=8, color="0.25")
        text_width = layout.arrange(fig).text_width


def wrap_text(text: str, width_px: float, points: float, dpi: float, lines: int = 2) -> str:
    """Text wrapped to the width (an average glyph is about 0.55 em), at most ``lines`` lines."""
    chars = max(int(width_px / (points * dpi / 72 * 0.55)), 10)
    return "\n".join(textwrap.wrap(text, chars, max_lines=lines, placeholder=" …"))


def encode(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG, SVG or PDF bytes, at the figure's own size and dpi."""
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=fig.dpi, **_SAVE[fmt])
    return out.getvalue()
