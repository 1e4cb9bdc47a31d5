"""The two locks: requirements.lock (the runtime, what `make serve` and the image install) and
requirements-dev.lock (the runtime and the test tools, what `make test` installs)."""

from __future__ import annotations

import re
import tomllib

from api.settings import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pins(lock: str) -> dict[str, tuple[str, frozenset[str]]]:
    """{package: (version, its hashes)} of a lock written by `uv pip compile --generate-hashes`."""
    found: dict[str, tuple[str, frozenset[str]]] = {}
    text = (REPO_ROOT / lock).read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith(("#", " ")) or not line.strip():
            continue
        requirement, *options = line.split()
        name, version = requirement.split("==")
        hashes = frozenset(o.removeprefix("--hash=") for o in options if o.startswith("--hash="))
        assert hashes, f"{lock}: {name} has no hash"
        found[name] = (version, hashes)
    return found


def names(requirements: list[str]) -> set[str]:
    """The package names of requirement strings, normalised as the locks write them."""
    found = {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0] for r in requirements}
    return {re.sub(r"[-_.]+", "-", n).lower() for n in found}


def test_the_runtime_lock_is_part_of_the_dev_lock_at_the_same_versions() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert runtime.keys() <= dev.keys(), sorted(runtime.keys() - dev.keys())
    differing = {n: (runtime[n][0], dev[n][0]) for n in runtime if runtime[n] != dev[n]}
    assert not differing, f"(runtime, dev) versions or hashes differ: {differing}; `make lock`"


def test_the_runtime_lock_has_no_test_tool() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    tools = names(PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert tools <= dev.keys(), sorted(tools - dev.keys())
    # psutil is a dev requirement (the tests watch processes) and distributed's at run time.
    assert tools & runtime.keys() == {"psutil"}, sorted(tools & runtime.keys())
    assert names(PYPROJECT["project"]["dependencies"]) <= runtime.keys()
