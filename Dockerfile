# The service on the bundled samples:
#   docker build -t oceanapi . && docker run -p 8000:8000 oceanapi
# Stage 1 builds the offline docs pages (redoc-cli, swagger-ui-dist) with Node; the image
# itself has no Node.

FROM node:20-slim AS docs
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./web
COPY openapi.yaml ./
RUN node web/build.mjs /src/build/docs

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

COPY api ./api
COPY catalog ./catalog
COPY plotting ./plotting
COPY schemas ./schemas
COPY samples ./samples
COPY docs/examples ./docs/examples
COPY --from=docs /src/build/docs ./build/docs

EXPOSE 8000
CMD ["uvicorn", "--factory", "api.main:create_app", "--http", "api.server:HttpToolsProtocol", \
     "--no-access-log", \
     "--host", "0.0.0.0", "--port", "8000"]
