# The Xinfang web image; docker-compose.yml runs it as web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Chinese fonts and the Pango/HarfBuzz libraries WeasyPrint renders PDFs with; gettext compiles translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# A throwaway key: these commands read settings but sign nothing; the real key comes at run time.
RUN SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput \
    && if [ -d locale ]; then SECRET_KEY=build-only-not-a-secret python manage.py compilemessages -v 0; fi

RUN useradd --system --uid 1000 --home-dir /app xinfang \
    && mkdir -p /app/media \
    && chown xinfang /app/media
USER xinfang
ENV MEDIA_ROOT=/app/media
VOLUME ["/app/media"]
EXPOSE 8000

# Workers: gunicorn reads WEB_CONCURRENCY (default 1); docker-compose.yml sets it.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
