# One image for every process (web, worker, beat); the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_ENV=production

WORKDIR /app
# xmlsec1: pysaml2 signs and checks SAML messages with it (single sign-on with SAML 2.0).
RUN apt-get update && apt-get install -y --no-install-recommends xmlsec1 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 pdca && mkdir /metrics /media && chown pdca /metrics /media

COPY pyproject.toml README.md ./
COPY config ./config
COPY common ./common
COPY accounts ./accounts
COPY kpis ./kpis
COPY improvement ./improvement
RUN pip install '.[sentry]'

COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY docs ./docs
# collectstatic needs settings that import; these throwaway values never reach a running container.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 && chown -R pdca /app/staticfiles

USER pdca
EXPOSE 8000
# The image carries its static files (above); a web process started without them collects them first
# rather than answering 500 on every page (/readyz fails while the manifest is missing).
CMD ["sh", "-c", "test -f staticfiles/staticfiles.json || python manage.py collectstatic --noinput --verbosity 0; exec gunicorn -c config/gunicorn.py config.wsgi:application"]
