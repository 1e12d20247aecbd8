# Learning Out Loud: `python -m bot run` as a non-root user, checked on /healthz.
# Build: docker build -t learning-out-loud .   Run: see compose.yaml and the README.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The package alone (no tests, benches or docs): dependencies and code in one layer.
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY services ./services
COPY storage ./storage
COPY core ./core
COPY blocks ./blocks
COPY fakeslack ./fakeslack
RUN pip install ".[chart]" && rm -rf /app/build

RUN useradd --create-home --uid 10001 bot && mkdir -p /app/data && chown bot /app/data
USER bot

EXPOSE 3000
# The slim image has no curl; Python's standard library makes the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]

CMD ["python", "-m", "bot", "run"]
