# Production image: one image for web, workers and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RONGZHI_VAR_DIR=/var/lib/rongzhi
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY governance governance
COPY stations stations
COPY volunteers volunteers
COPY disputes disputes
COPY peace_index peace_index
COPY templates templates
COPY locale locale
COPY manage.py ./
RUN pip install --no-cache-dir . && mkdir -p /var/lib/rongzhi && useradd --system rongzhi \
    && chown rongzhi /var/lib/rongzhi
USER rongzhi
EXPOSE 8000
CMD ["gunicorn", "governance.asgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "uvicorn_worker.UvicornWorker", "--timeout", "90"]
