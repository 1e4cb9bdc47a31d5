"""Write openapi.yaml (or the path given) from a freshly built app: ``python -m tools.openapi``
(``make openapi``)."""

from __future__ import annotations

import sys
from pathlib import Path

from api.main import create_app
from api.openapi import dump
from api.settings import REPO_ROOT


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "openapi.yaml"
    target.write_text(dump(create_app().openapi()), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
