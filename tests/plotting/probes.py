"""Test-only plot types that exercise the process pool: sleep, die, or draw a tiny figure.

They are real plot types (the router, runner and workers treat them like any other); the
workers import this module by name when they unpickle a job.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi import FastAPI
from matplotlib.figure import Figure
from pydantic import Field

from api.main import create_app
from plotting.common import RenderContext
from plotting.layout import canvas_size
from plotting.params import PlotParams
from plotting.types import PLOT_TYPES, PlotType

GATE_SECONDS = 60


class ProbeParams(PlotParams):
    """A probe's parameters."""

    seconds: float = Field(default=0.0, ge=0, description="How long to sleep.", examples=[0])
    tag: str = Field(default="", description="Makes otherwise identical jobs distinct.")
    gate: str = Field(
        default="", description=f"A file to wait for (at most {GATE_SECONDS} s) before anything."
    )


def pass_gate(p: ProbeParams) -> None:
    """Hold the job in its worker until the test creates the ``gate`` file."""
    deadline = time.monotonic() + GATE_SECONDS
    while p.gate and not Path(p.gate).exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def sleep_then_draw(ctx: RenderContext, p: ProbeParams) -> Figure:
    """Wait at the gate, sleep ``seconds`` in the worker, then draw a line."""
    pass_gate(p)
    time.sleep(p.seconds)
    width, height = canvas_size(p.width, p.height, p.dpi, None)
    fig = Figure(figsize=(width / p.dpi, height / p.dpi), dpi=p.dpi)
    fig.add_subplot().plot([0, 1], [0, p.seconds + 1])
    return fig


def die(ctx: RenderContext, p: ProbeParams) -> Figure:
    """Wait at the gate, then end the worker process abruptly, as a segfault or the OOM killer
    would."""
    pass_gate(p)
    os._exit(3)


PROBES = {
    **PLOT_TYPES,
    "sleep": PlotType("sleep", "Sleep", "Sleeps, then draws.", ProbeParams, sleep_then_draw),
    "die": PlotType("die", "Die", "Kills its worker.", ProbeParams, die),
}


def create_probe_app() -> FastAPI:
    """``uvicorn --factory tests.plotting.probes:create_probe_app``: the service plus probes."""
    return create_app(plot_types=PROBES)
