"""The README's relative links point at files in the repository (none outside it)."""

from __future__ import annotations

import re

from api.settings import REPO_ROOT

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def relative_links(text: str) -> list[str]:
    """The targets of the markdown links in ``text`` that are not absolute URLs."""
    return [target for target in LINK.findall(text) if not re.match(r"^[a-z]+:", target)]


def test_readme_links_stay_in_the_repository_and_exist() -> None:
    readme = REPO_ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    links = relative_links(text)
    assert "docs/HOUSE_STYLE.md" in links
    for target in links:
        path = (REPO_ROOT / target).resolve()
        assert path.is_relative_to(REPO_ROOT.resolve()), f"{target} leaves the repository"
        assert path.exists(), f"README links {target}, which is not in the repository"
    assert "../shared" not in text


def test_relative_links_finds_links_that_leave() -> None:
    assert relative_links("see [x](../shared/HOUSE_STYLE.md) and [y](https://a.b/c)") == [
        "../shared/HOUSE_STYLE.md"
    ]
