# wirewatch worker image (used by docker-compose.yml: `docker compose up --build`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Only what `pip install .` needs (keeps .venv/, .kafka/ and tests out of the layers).
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY streams ./streams
COPY agents ./agents
RUN pip install . \
    && useradd --create-home --uid 10001 wirewatch \
    && mkdir -p /var/lib/wirewatch \
    && chown wirewatch /var/lib/wirewatch

# faust keeps its local state (<app>-data/) in the working directory
WORKDIR /var/lib/wirewatch
USER wirewatch
ENV WIREWATCH_KAFKA_BOOTSTRAP=kafka:9092
CMD ["wirewatch", "worker"]
