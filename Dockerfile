# The service on the bundled samples:
#   docker build -t oceanapi . && docker run -p 8000:8000 oceanapi
# The runtime only: the packages of requirements.lock (no test tools, no Node: the docs pages
# are committed in docs/site) and the project installed as a package.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

COPY pyproject.toml README.md LICENSE NOTICE ./
COPY api ./api
COPY catalog ./catalog
COPY plotting ./plotting
COPY schemas ./schemas
# Editable, as `make serve` installs it: the code stays in /app beside the data it finds from
# there (samples/, docs/), and every Python in the image imports it, `dask scheduler` and
# `dask worker` included, from any folder.
RUN pip install --no-cache-dir --no-deps -e .
COPY samples ./samples
COPY docs/examples ./docs/examples
COPY docs/site ./docs/site

# Run as an unprivileged user; the code and samples stay root-owned and read-only to it.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app oceanapi
USER oceanapi

EXPOSE 8000
# /ready is 200 once the catalog is open and the plot workers are warm, 503 while starting or
# stopping; the slim image has no curl, so Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4); sys.exit(0)"]
# python -m api: the service on its own HTTP protocol with its connection limits (OCEANAPI_SERVER__*).
CMD ["python", "-m", "api", "--host", "0.0.0.0", "--port", "8000"]
