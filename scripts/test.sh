#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `make test`, which calls this).
#  1. a browser for the end-to-end tests (Debian's chromium; Playwright's own download cannot work);
#  2. PostgreSQL and Redis on localhost when reachable, else the embedded default (and say what
#     that leaves uncovered);
#  3. lint, types and the migrations check; 4. pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
status=0

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian's chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei >/tmp/rongzhi-apt.log 2>&1 \
      || { apt-get update -q >>/tmp/rongzhi-apt.log 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei >>/tmp/rongzhi-apt.log 2>&1; } \
      || echo "!! could not install chromium (see /tmp/rongzhi-apt.log): browser tests will be SKIPPED"
  else
    echo "!! chromium is not installed and cannot be installed here: browser tests will be SKIPPED"
  fi
fi

if $PY scripts/services_available.py; then
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rongzhi}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
  echo "== PostgreSQL and Redis found: the suite runs on them ($DATABASE_URL, $REDIS_URL)"
else
  unset DATABASE_URL REDIS_URL
  echo "!! PostgreSQL or Redis not reachable on localhost: running on the embedded default (SQLite)."
  echo "!! NOT covered: PostgreSQL-only tests (append-only trigger, row locks) and the Redis worker integration tests."
fi

echo "== ruff"
.venv/bin/ruff check . || status=1
.venv/bin/ruff format --check . || status=1
echo "== mypy"
.venv/bin/mypy . || status=1
echo "== migrations are committed"
env -u DATABASE_URL -u REDIS_URL $PY manage.py makemigrations --check --dry-run || status=1
echo "== translations compile"
$PY manage.py compilemessages -l zh_Hans --ignore '.venv/*' >/dev/null || status=1
git diff --quiet -- locale || { echo "!! locale/*.mo is stale: run 'make messages' and commit"; status=1; }
echo "== pytest"
# The slowest tests are listed at the end: where the time goes.
.venv/bin/pytest --durations=30 "$@" || status=1

exit $status
