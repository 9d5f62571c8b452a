# Recruitment events service. Build: docker build -t events .
# Migrate once per release (a separate step):  docker run --rm -e DATABASE_URL=... -e SECRET_KEY=... events python main.py migrate
# Serve:                                        docker run -p 8000:8000 -e DATABASE_URL=... -e SECRET_KEY=... events
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/app/data

WORKDIR /app

# Dependencies in their own layer, from the lock file, so code changes do not reinstall them.
COPY requirements/app.lock requirements/app.lock
RUN pip install --require-hashes -r requirements/app.lock

# The PDF reports need a CJK font (Debian's Noto Sans CJK); Debian's package follows the base image's release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 events \
    && mkdir -p /app/data \
    && chown events:events /app/data
COPY --chown=events:events events events
COPY --chown=events:events main.py piccolo_conf.py ./

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health\", timeout=4).status == 200 else 1)"]
CMD ["python", "main.py", "serve"]
