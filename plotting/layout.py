"""Where a figure's axes, colour bar, titles and credit line go: computed, not searched for.

A plot has one main axes, optionally a colour bar at its right (an axes labelled
``COLOURBAR``), a title (the figure's suptitle), the dataset and what was drawn above the axes
(the axes' title) and a credit line at the bottom left. ``arrange`` measures the decorations
once (tick labels, axis labels, the titles' heights: text extents from the figure's Agg
renderer) and sets the rectangles so that the axes and colour bar take all the room left: the
group is centred, the title is centred over the axes, the colour bar is as tall as the axes.
An axes with a fixed aspect (a map: ``set_aspect`` with ``adjustable='box'``) fills the
tighter direction and is centred in the other. This is faster than matplotlib's constrained
layout (which draws the figure once more before saving) and gives the same result every time.

``canvas_size`` derives the missing one of width and height from the plot's natural shape
(a map: its box's aspect plus room for the decorations; other plots: 4:3) without drawing,
so the API checks the size the worker will draw. ``fill`` is the measure the tests apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

COLOURBAR = "<colorbar>"
"""The label of a colour bar's axes (matplotlib's own, for the bars it places itself)."""
DEFAULT_SIZE = (800, 600)
"""Width and height (pixels) when neither is given, and the 4:3 aspect of plots without a
fixed one."""
MIN_SIDE, MAX_SIDE = 64, 4096
"""The range of a derived width or height (the parameters' own range)."""

# Spaces in points (1/72 inch), so they scale with dpi as the text does.
EDGE = 3.0
"""Between the canvas edge and anything drawn."""
TITLE_GAP = 2.0
"""Between the title and the axes' title (the dataset and what was drawn)."""
BAR_PAD = 6.0
"""Between the axes and the colour bar."""
BAR_WIDTH = 10.0
"""The colour bar's width."""

# What a map's decorations take, in points, for deriving a size without drawing: one title
# line and two lines above the axes (dataset, time and depth), tick labels on the left and
# below, a colour bar with its ticks and label on the right, the credit line.
ALLOW_LEFT = 32.0
ALLOW_RIGHT = 62.0
ALLOW_TOP = 48.0
ALLOW_BOTTOM = 26.0


def points(value: float, dpi: float) -> float:
    """Points as pixels at this dpi."""
    return value * dpi / 72.0


def canvas_size(
    width: int | None, height: int | None, dpi: int, box: float | None
) -> tuple[int, int]:
    """The image size in pixels: as given, else derived from the plot's natural shape.

    ``box`` is the height / width ratio of the axes for a plot with a fixed aspect (a map),
    None for the others (the canvas then keeps 4:3). With neither size given a map is 800
    wide, any other plot 800 x 600. A derived side is kept within 64..4096 pixels.
    """
    if width is not None and height is not None:
        return width, height
    if box is None:
        default_w, default_h = DEFAULT_SIZE
        if width is None and height is None:
            return default_w, default_h
        if width is not None:
            return width, clamp_side(width * default_h / default_w)
        assert height is not None
        return clamp_side(height * default_w / default_h), height
    across = points(ALLOW_LEFT + ALLOW_RIGHT, dpi)
    down = points(ALLOW_TOP + ALLOW_BOTTOM, dpi)
    if height is None:
        width = width if width is not None else DEFAULT_SIZE[0]
        return width, clamp_side(max(width - across, 1.0) * box + down)
    return clamp_side(max(height - down, 1.0) / box + across), height


def clamp_side(pixels: float) -> int:
    """A side in whole pixels within the canvas limits."""
    return int(min(max(round(pixels), MIN_SIDE), MAX_SIDE))


def attach_canvas(fig: Figure) -> None:
    """An Agg canvas for the figure: its renderer measures text and is reused to draw PNGs."""
    FigureCanvasAgg(fig)


def renderer(fig: Figure) -> RendererAgg:
    """The figure's Agg renderer (an Agg canvas is attached if it has none)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        attach_canvas(fig)
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    drawer: RendererAgg = canvas.get_renderer()  # type: ignore[no-untyped-call]
    return drawer


def colour_bar(fig: Figure, mappable: ScalarMappable, label: str) -> Colorbar:
    """A colour bar for the plot, at its right; ``arrange`` sizes it to the axes' height."""
    cax = fig.add_axes((0.9, 0.1, 0.02, 0.8), label=COLOURBAR)
    return fig.colorbar(mappable, cax=cax, label=label)


def colour_bar_axes(fig: Figure) -> Axes | None:
    """The colour bar's axes, if the figure has one."""
    return next((a for a in fig.axes if a.get_label() == COLOURBAR), None)


def main_axes(fig: Figure) -> Axes:
    """The plot's axes: the first one that is not a colour bar."""
    return next(a for a in fig.axes if a.get_label() != COLOURBAR)


@dataclass(frozen=True)
class Frame:
    """Where ``arrange`` put things, in pixels from the canvas' bottom left."""

    axes: Bbox
    colour_bar: Bbox | None
    text_width: float
    """The widest a line of title may be, centred over the axes, staying on the canvas."""


_RESERVED = "_oceanapi_reserved"


def reserve(ax: Axes, left: float = 0.0, bottom: float = 0.0, right: float = 0.0) -> None:
    """Room (points) around ``ax`` for decorations the axes' own axis boxes do not hold (a
    cartopy map's graticule labels, placed at draw time): ``arrange`` leaves at least this."""
    setattr(ax, _RESERVED, (left, bottom, right))


def arrange(fig: Figure) -> Frame:
    """Place the main axes, colour bar and title; see the module's description."""
    ax, cax = main_axes(fig), colour_bar_axes(fig)
    dpi = fig.dpi
    width, height = fig.bbox.width, fig.bbox.height
    r = renderer(fig)
    edge = points(EDGE, dpi)
    _provisional(fig, ax, cax)
    # Margins the axes' own decorations need, measured at about their final size (the number
    # of ticks, so the labels' widths, follow the axes' length).
    here = ax.get_window_extent(r)
    parts = [b for b in (ax.xaxis.get_tightbbox(r), ax.yaxis.get_tightbbox(r)) if b is not None]
    decorated = Bbox.union([here, *parts])
    left = here.x0 - decorated.x0
    bottom = here.y0 - decorated.y0
    right = max(decorated.x1 - here.x1, 0.0)
    top_ticks = max(decorated.y1 - here.y1, 0.0)
    reserved = getattr(ax, _RESERVED, (0.0, 0.0, 0.0))
    left, bottom = max(left, points(reserved[0], dpi)), max(bottom, points(reserved[1], dpi))
    right = max(right, points(reserved[2], dpi))
    above = _title_height(ax, r)
    bar_right = bar_pad = bar_width = 0.0
    if cax is not None:
        bar_here = cax.get_window_extent(r)
        bar_parts = [cax.xaxis.get_tightbbox(r), cax.yaxis.get_tightbbox(r)]
        bar_box = Bbox.union([bar_here, *[b for b in bar_parts if b is not None]])
        bar_right = bar_box.x1 - bar_here.x1
        bar_pad, bar_width = points(BAR_PAD, dpi), points(BAR_WIDTH, dpi)
        right = max(right - bar_pad, 0.0)  # an x tick label may reach into the gap
    title = suptitle(fig)
    title_h = _height(title, r) + points(TITLE_GAP, dpi) if title is not None else 0.0
    credit_h = max((_height(t, r) for t in footer(fig)), default=0.0)
    # The room: the canvas less the edges, the title and the credit line.
    room_w = width - 2 * edge - left - right - bar_pad - bar_width - bar_right
    room_h = height - 2 * edge - title_h - credit_h - max(above, top_ticks) - bottom
    room_w, room_h = max(room_w, 1.0), max(room_h, 1.0)
    axes_w, axes_h = room_w, room_h
    ratio = box_ratio(ax)
    if ratio is not None:
        axes_w = min(room_w, room_h / ratio)
        axes_h = axes_w * ratio
    # The group (decorations, axes, colour bar) centred in the room it has.
    x0 = edge + left + (room_w - axes_w) / 2
    y0 = edge + credit_h + bottom + (room_h - axes_h) / 2
    box = Bbox.from_bounds(x0, y0, axes_w, axes_h)
    ax.set_position(box.transformed(fig.transFigure.inverted()))
    bar = None
    if cax is not None:
        bar = Bbox.from_bounds(box.x1 + bar_pad, y0, bar_width, axes_h)
        cax.set_position(bar.transformed(fig.transFigure.inverted()))
    centre = box.x0 + axes_w / 2
    if title is not None:
        top = box.y1 + max(above, top_ticks) + points(TITLE_GAP, dpi)
        title.set_position((centre / width, top / height))
        title.set_horizontalalignment("center")
        title.set_verticalalignment("bottom")
    text_width = 2 * min(centre, width - centre) - 2 * edge
    return Frame(box, bar, text_width)


def _provisional(fig: Figure, ax: Axes, cax: Axes | None) -> None:
    """The axes (and colour bar) where the allowances of ``canvas_size`` put them."""
    width, height = fig.bbox.width, fig.bbox.height
    left, bottom = points(ALLOW_LEFT, fig.dpi), points(ALLOW_BOTTOM, fig.dpi)
    right = points(ALLOW_RIGHT if cax is not None else EDGE, fig.dpi)
    axes_w = max(width - left - right, width * 0.5)
    axes_h = max(height - bottom - points(ALLOW_TOP, fig.dpi), height * 0.5)
    to_figure = fig.transFigure.inverted()
    ax.set_position(Bbox.from_bounds(left, bottom, axes_w, axes_h).transformed(to_figure))
    if cax is not None:
        bar = Bbox.from_bounds(
            left + axes_w + points(BAR_PAD, fig.dpi), bottom, points(BAR_WIDTH, fig.dpi), axes_h
        )
        cax.set_position(bar.transformed(to_figure))


def box_ratio(ax: Axes) -> float | None:
    """Height / width of the axes in pixels that its fixed aspect asks for (None: free)."""
    aspect = ax.get_aspect()
    if aspect == "auto" or ax.get_adjustable() != "box":
        return None
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return float(aspect) * abs(y1 - y0) / abs(x1 - x0)


def _title_height(ax: Axes, r: RendererAgg) -> float:
    """How far the axes' title (with its pad) reaches above the axes where they are now."""
    if not ax.title.get_text():
        return 0.0
    return max(float(ax.title.get_window_extent(r).y1 - ax.get_window_extent(r).y1), 0.0)


def suptitle(fig: Figure) -> Text | None:
    """The figure's title text, if it has one."""
    title: Text | None = getattr(fig, "_suptitle", None)
    return title if title is not None and title.get_text() else None


def footer(fig: Figure) -> list[Text]:
    """The figure's texts other than its title: the credit line."""
    title = suptitle(fig)
    return [t for t in fig.texts if t is not title]


def _height(text: Text, r: RendererAgg) -> float:
    return float(text.get_window_extent(r).height) if text.get_text() else 0.0


@dataclass(frozen=True)
class Fill:
    """How a drawn figure uses its canvas (``fill``)."""

    width: float
    """The union of the axes' and colour bar's extents: its width over the canvas width."""
    height: float
    """Its height over the height left between the credit line's top and the lowest title
    line's bottom (the suptitle's or the axes' title's)."""
    title_offset: float
    """|the title's x centre - the axes' x centre| over the axes' width."""
    bar_height: float
    """The colour bar's height over the axes' height (1.0 without a colour bar)."""
    axes_ratio: float
    """The axes' height over their width, in pixels."""


def fill(fig: Figure) -> Fill:
    """The canvas-fill measure, from the figure's geometry after a draw without rendering."""
    fig.draw_without_rendering()
    r = renderer(fig)
    ax, cax = main_axes(fig), colour_bar_axes(fig)
    box = ax.get_window_extent(r)
    boxes = [box] + ([cax.get_window_extent(r)] if cax is not None else [])
    if cax is not None:  # a panel beside the bar (a transect's locator map) is content too
        boxes += [inset.get_window_extent(r) for inset in cax.child_axes]
    union = Bbox.union(boxes)
    titles = [t for t in (suptitle(fig), ax.title) if t is not None and t.get_text()]
    top = min((t.get_window_extent(r).y0 for t in titles), default=fig.bbox.height)
    credit = max((t.get_window_extent(r).y1 for t in footer(fig) if t.get_text()), default=0.0)
    title = suptitle(fig)
    centre = (box.x0 + box.x1) / 2
    offset = 0.0
    if title is not None:
        extent = title.get_window_extent(r)
        offset = abs((extent.x0 + extent.x1) / 2 - centre) / box.width
    bar = cax.get_window_extent(r).height / box.height if cax is not None else 1.0
    return Fill(
        width=union.width / fig.bbox.width,
        height=union.height / (top - credit),
        title_offset=offset,
        bar_height=bar,
        axes_ratio=box.height / box.width,
    )
