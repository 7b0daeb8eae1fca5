# One image for web, worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY entities ./entities
COPY delivery ./delivery
COPY reports ./reports
COPY crew ./crew
RUN pip install .
COPY . .
RUN useradd --create-home quarterdeck && mkdir -p var && chown -R quarterdeck var
USER quarterdeck
# Static files are collected at build time with throwaway secrets (settings refuse to start without).
RUN DJANGO_SECRET_KEY=build-only-$(python -c 'import secrets;print(secrets.token_urlsafe(64))') \
    CREW_JWT_SECRET=build-only-00000000000000000000000000 \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "--bind", "0.0.0.0:8000"]
