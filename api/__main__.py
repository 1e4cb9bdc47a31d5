"""``python -m api``: serve the service (``api.server.main``), settings from the environment.

Import-light on purpose. The plot and data workers start from multiprocessing's fork server,
which runs the main module again in every worker unless it is a package's ``__main__`` (so
``python -m api.server`` would load the whole web app into each worker); a console script is
such a main module too, so ``run`` imports the service only when it is called.
"""

from __future__ import annotations


def run() -> None:
    """Serve the service (the entry point for ``python -m api`` and a console script)."""
    from api.server import main  # here, not above: see the module's docstring

    main()


if __name__ == "__main__":
    run()
