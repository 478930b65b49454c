# Ladderwatch: the bot in a slim Python image, run as an unprivileged user.
#
#   docker build -t ladderwatch .
#   docker run --rm ladderwatch demo                      # offline demo, no token needed
#   docker run --rm -v ladderwatch-data:/app/data ladderwatch db upgrade
#   docker run -d -e TELEGRAM_BOT_TOKEN=... -v ladderwatch-data:/app/data -v "$PWD/config:/app/config" ladderwatch
#
# Migrations are an explicit step (`ladderwatch db upgrade`, the `migrate` service in
# compose.yaml) so that several processes never race to upgrade the schema.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies and the package; the chart and postgres extras are wanted in a deployment.
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN pip install ".[postgres,chart]"

# An unprivileged user owning only what it writes: the database folder and the config folder
# (accounts added in chat live in the database; watchlist.yaml is read, and re-read on edit).
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin ladderwatch \
    && mkdir -p /app/data /app/config \
    && chown ladderwatch:ladderwatch /app/data /app/config
COPY --chown=ladderwatch:ladderwatch config/watchlist.yaml /app/config/watchlist.yaml
USER ladderwatch

ENV DATABASE_URL=sqlite:////app/data/ladderwatch.sqlite3 \
    LADDERWATCH_CONFIG=/app/config \
    LADDERWATCH_HTTP_HOST=0.0.0.0 \
    LADDERWATCH_HTTP_PORT=8080 \
    LADDERWATCH_LOG_FORMAT=json
VOLUME ["/app/data", "/app/config"]
EXPOSE 8080

# Liveness: /healthz answers 200 for "ok" and "degraded" (alive, but reading too little: see
# its body) and 503 when the database is unreachable. No curl in a slim image: Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('LADDERWATCH_HTTP_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["ladderwatch"]
CMD ["run"]
