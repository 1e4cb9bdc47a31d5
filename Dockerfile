# A simple image serving the bundled samples: docker build -t oceanapi . && docker run -p 8000:8000 oceanapi
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

EXPOSE 8000
CMD ["uvicorn", "--factory", "api.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
