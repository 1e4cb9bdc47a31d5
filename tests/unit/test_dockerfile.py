"""The Dockerfile copies what exists: no Docker engine runs here, so it is checked by reading."""

from __future__ import annotations

import re

from api.settings import DEFAULT_DOCS_DIR, REPO_ROOT

DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")


def copies() -> list[tuple[str | None, list[str], str]]:
    """(stage or None, sources, destination) of every COPY instruction."""
    found = []
    for line in DOCKERFILE.splitlines():
        words = line.split()
        if not words or words[0] != "COPY":
            continue
        stage = None
        if words[1].startswith("--from="):
            stage = words[1].removeprefix("--from=")
            words = words[1:]
        found.append((stage, words[1:-1], words[-1]))
    return found


def test_every_path_copied_from_the_repository_exists() -> None:
    sources = [s for stage, paths, _ in copies() if stage is None for s in paths]
    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), source


def test_the_docs_stage_builds_what_the_image_copies_where_the_app_looks() -> None:
    stages = re.findall(r"^FROM \S+ AS (\S+)", DOCKERFILE, re.MULTILINE)
    assert stages == ["docs"]
    built = re.search(r"^RUN node web/build.mjs (\S+)$", DOCKERFILE, re.MULTILINE)
    assert built
    [(_, [source], target)] = [c for c in copies() if c[0] == "docs"]
    assert source == built.group(1)
    assert DEFAULT_DOCS_DIR.relative_to(REPO_ROOT).as_posix() == target.removeprefix("./")


def test_the_image_serves_the_samples_and_the_document_examples() -> None:
    targets = {target.removeprefix("./") for _, _, target in copies()}
    assert {"api", "catalog", "plotting", "schemas", "samples", "docs/examples"} <= targets
