# One image for every role: web (igdash serve --no-worker), worker, beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    IGDASH_DATA_DIR=/data \
    IGDASH_HOST=0.0.0.0 \
    IGDASH_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY igdash ./igdash
COPY accounts_app ./accounts_app
COPY scraping ./scraping
COPY content ./content
COPY exports ./exports
COPY notify ./notify
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1000 igdash \
    && mkdir -p /data && chown igdash:igdash /data

USER igdash
VOLUME ["/data"]
EXPOSE 8000
CMD ["igdash", "serve", "--no-worker"]
