"""Send every example request whose answer the OpenAPI document shows, and keep the answers
under docs/examples: ``python -m tools.examples`` (``make examples``)."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

from api import examples
from api.main import create_app
from api.settings import REPO_ROOT


def main() -> None:
    """Send every example request whose answer the document shows, and keep the answers under
    docs/examples: plot and tile images, and CSV, CoverageJSON and GeoJSON answers."""
    examples.EXAMPLE_IMAGES.mkdir(parents=True, exist_ok=True)
    with TestClient(create_app()) as client:
        document = client.app.openapi()  # type: ignore[attr-defined]
        for path, item in document["paths"].items():
            for operation in item.values():
                for media_type in operation["responses"]["200"].get("content", {}):
                    target: Path | None
                    if media_type == "image/png" and ("/plots/" in path or "/tiles/" in path):
                        target = examples.image_of(operation["operationId"])
                    else:
                        target = examples.answer_of(operation["operationId"], media_type)
                    if target is None:
                        continue
                    url = examples.request_of(path, operation, media_type)
                    response = client.get(url)
                    if response.status_code != 200:
                        sys.exit(f"{url}: {response.status_code} {response.text}")
                    target.write_bytes(response.content)
                    print(f"wrote {target.relative_to(REPO_ROOT)} from GET {url}")


if __name__ == "__main__":
    main()
