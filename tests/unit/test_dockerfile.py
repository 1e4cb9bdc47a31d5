"""The Dockerfile copies what exists: no Docker engine runs here, so it is checked by reading."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from api.settings import DEFAULT_DOCS_DIR, REPO_ROOT
from tests.e2e.live import free_port, wait_until_up

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


def test_the_image_copies_the_committed_docs_pages_where_the_app_looks() -> None:
    """One stage, no Node: the pages come from the repository (docs/site), not a build."""
    assert re.findall(r"^FROM (.+)$", DOCKERFILE, re.MULTILINE) == ["python:3.11-slim"]
    docs = DEFAULT_DOCS_DIR.relative_to(REPO_ROOT).as_posix()
    assert (None, [docs], f"./{docs}") in copies()


def test_the_image_installs_the_runtime_lock_and_the_project_without_pythonpath() -> None:
    """The runtime lock only (no test tools), then the project as an editable package, which
    every Python there imports from /app: `dask worker` finds the code with no PYTHONPATH."""
    joined = DOCKERFILE.replace("\\\n", " ")
    runs = re.findall(r"^RUN (.+)$", joined, re.MULTILINE)
    assert "pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock" in runs
    assert "pip install --no-cache-dir --no-deps -e ." in runs
    assert "requirements-dev" not in DOCKERFILE and "PYTHONPATH" not in DOCKERFILE
    for needed in ("pyproject.toml", "README.md", "LICENSE", "NOTICE"):  # the build reads them
        assert any(needed in sources and target == "./" for _, sources, target in copies())


def test_the_image_serves_the_samples_and_the_document_examples() -> None:
    targets = {target.removeprefix("./") for _, _, target in copies()}
    assert {"api", "catalog", "plotting", "schemas", "samples", "docs/examples"} <= targets


def instruction(keyword: str) -> str:
    """The last instruction of that keyword, continuation lines joined."""
    joined = DOCKERFILE.replace("\\\n", " ")
    found = re.findall(rf"^{keyword} (.+)$", joined, re.MULTILINE)
    assert found, keyword
    return str(found[-1])


def test_the_image_runs_as_an_unprivileged_user() -> None:
    user = instruction("USER").strip()
    assert user not in {"root", "0"}
    assert re.search(rf"^RUN useradd .*\b{user}$", DOCKERFILE, re.MULTILINE)
    assert DOCKERFILE.index("USER ") > DOCKERFILE.rindex("COPY ")  # nothing written after
    assert "MPLCONFIGDIR=/tmp/" in DOCKERFILE  # matplotlib's cache where that user may write


def test_the_commands_serve_and_the_healthcheck_asks_ready() -> None:
    """The image's CMD serves the samples here, and its HEALTHCHECK passes only when ready."""
    cmd = json.loads(instruction("CMD"))
    health = json.loads(instruction("HEALTHCHECK").split(" CMD ", 1)[1])
    assert cmd[:3] == ["python", "-m", "api"]  # the service's entry point, its limits included
    assert cmd[cmd.index("--port") + 1] == "8000" and "127.0.0.1:8000/ready" in health[-1]
    port = str(free_port())
    cmd[cmd.index("--port") + 1] = port
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    probe = [sys.executable, *health[1:-1], health[-1].replace("8000", port)]
    assert subprocess.run(probe, capture_output=True, timeout=30).returncode != 0  # nothing yet
    process = subprocess.Popen(
        [sys.executable, *cmd[1:]],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/ready", lambda: None, 180)
        assert subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
