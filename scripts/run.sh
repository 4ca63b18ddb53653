#!/usr/bin/env bash
# Serve the platform with the demo county on the embedded default: SQLite, a file-system Celery
# broker, one worker with beat beside the Django server. Stops the worker when the server stops.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-governance.settings.local}"
PY=.venv/bin/python
mkdir -p var

$PY manage.py migrate --noinput
$PY manage.py seed_demo

.venv/bin/celery -A governance worker --beat --queues dispatch,default,scores --concurrency 2 \
  --loglevel INFO --schedule var/celerybeat-schedule >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "Background worker and beat running (pid $worker, log var/worker.log)."

$PY manage.py runserver "${RONGZHI_ADDR:-0.0.0.0:8000}"
