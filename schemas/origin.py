"""The origin the documentation's examples name.

The OpenAPI document (and the ReDoc page that embeds it) is generated once and committed, so
its quick start and response examples cannot know where the service will run. They name this
placeholder origin, which is what ``make serve`` listens on; when the service sends the
document or a page carrying it, ``api.pages`` replaces it with the request's own base URL (the
trusted one its links use, ``api.proxy``), so a reader sees commands and links that work
against the server they are reading.
"""

from __future__ import annotations

EXAMPLE_ORIGIN = "http://127.0.0.1:8000"
"""Scheme, host and port of the examples in the committed document; no trailing slash."""
