"""Data jobs answered as HTTP responses, wherever they ran; shared by /api/v1 and /edr."""

from __future__ import annotations

from typing import IO, Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from api.head import is_head
from api.negotiation import VARY_ACCEPT
from catalog.jobs import Job
from plotting.data_runner import DataRunner
from plotting.runner import ClientGone

CLIENT_CLOSED = 499  # nginx's code for "client closed the request"; nobody receives it


async def answer(request: Request, job: Job, negotiated: bool = False) -> Response:
    """The job's answer: a small one from memory, a large one streamed from its spool file.

    ``Server-Timing`` says where it was computed (``source;desc="inline"`` or ``"worker"``);
    ``negotiated``: the format came from the Accept header (``Vary: Accept``). A HEAD is
    checked as the GET would be (400, 404, 413 alike) and answered with the GET's headers
    without computing anything: no body, so no Content-Length (RFC 9110 §9.3.2), and
    Server-Timing says where the GET would be computed.
    """
    runner: DataRunner = request.app.state.data
    headers = dict(VARY_ACCEPT) if negotiated else {}
    if job.filename:
        headers["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    if is_head(request):
        headers["Server-Timing"] = f'source;desc="{await runner.where(job)}"'
        response = Response(media_type=job.media_type, headers=headers)
        del response.headers["content-length"]
        return response
    try:
        body = await runner.answer(job, request.is_disconnected)
    except ClientGone:
        return Response(status_code=CLIENT_CLOSED)
    headers["Server-Timing"] = f'source;desc="{body.where}"'
    if body.file is None:
        return Response(body.content, media_type=job.media_type, headers=headers)
    headers["Content-Length"] = str(body.size)
    return SpooledResponse(body.file, runner, media_type=job.media_type, headers=headers)


class SpooledResponse(StreamingResponse):
    """A body streamed from its spool file, which is closed however the response ends (also
    when the client left before the first chunk was sent)."""

    def __init__(self, file: IO[bytes], runner: DataRunner, **kwargs: Any) -> None:
        super().__init__(runner.stream(file), **kwargs)
        self.file = file

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.file.close()
