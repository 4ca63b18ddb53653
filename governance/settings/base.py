"""Settings read from the environment.

With nothing set this is the embedded default: SQLite, a file-system Celery broker and a
worker started beside the web server (see ``scripts/run.sh``). ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis. Production hardening lives in ``production.py``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.contrib.messages import constants as message_constants
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# Runtime files of the embedded default (SQLite database, Celery broker folders, uploads).
VAR_DIR = Path(env.str("RONGZHI_VAR_DIR", default=str(BASE_DIR / "var")))

# A fixed key is only acceptable outside production; production.py refuses it.
INSECURE_DEFAULT_SECRET_KEY = "insecure-embedded-default-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "governance.vendor_apps.KnoxConfig",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "governance.vendor_apps.AxesConfig",
    "django_otp",
    "governance.vendor_apps.TotpConfig",
    "governance.apps.GovernanceConfig",
    "stations.apps.StationsConfig",
    "volunteers.apps.VolunteersConfig",
    "disputes.apps.DisputesConfig",
    "peace_index.apps.PeaceIndexConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "governance.middleware.RequestContextMiddleware",
    "governance.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "governance.replicas.ReplicaPinMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.sessions.SessionIdleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "governance.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a lockout noticed during authentication into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"
ASGI_APPLICATION = "governance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.context_processors.platform",
                "stations.context_processors.station_links",
                "disputes.context_processors.dispute_links",
                "volunteers.context_processors.volunteer_links",
                "peace_index.context_processors.peace_links",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'rongzhi.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the embedded worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles any query whose estimated cost passes jit_above_cost, and on tables
    # of millions of rows a page's short query does: the commander board spent 281 of its 450 ms
    # compiling in a storm of open orders (docs/scaling.md). The platform's queries are short.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env.str(
        "DATABASE_SESSION_OPTIONS", default="-c jit=off"
    )
if env.str("DATABASE_REPLICA_URL", default=""):
    # A streaming replica of the primary, for the reads that may lag (governance/replicas.py says
    # which). In tests it is the primary's test database under a second connection.
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["governance.replicas.ReplicaRouter"]
# After a browser writes, its pages read the primary this long (longer than the replica's lag).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked (governance/lockout.py).
    "governance.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule on the password: Django tells it of every password change, and it ends the
    # person's API tokens (governance/services/tokens.py).
    {"NAME": "governance.services.tokens.ApiTokensEndWithThePassword"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: anonymous users hold no object permissions

# --- Login throttling, sessions, Content Security Policy ---------------------------------------
# django-axes counts failed logins per username *and* client address (REMOTE_ADDR, the address
# the audit trail records): past the limit that username is refused from that address, even with
# the right password, until the cool-off passes or an administrator deletes the attempt in the admin
# (Axes > Access attempts). Counting per username alone let anyone lock any account (the
# commander's, during an incident) in five requests; per address alone would lock a whole station
# behind one address. Spraying many usernames from one address meets the API's login throttle.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "governance.lockout.lockout_response"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Idle timeout: a session left alone this long ends; requests push the end forward, writing the
# session at most once a minute (governance/sessions.py).
SESSION_COOKIE_AGE = 60 * env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Two-factor authentication (TOTP) is optional; an administrator requires it for roles by listing
# them (e.g. "county_admin,commander,officer"); "staff" stands for the Django admin's users.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = "Rongzhi"
# Every script and style is served by the platform (governance/static/vendor/); no inline script
# and no eval. Inline style attributes stay allowed: templates and the vendored libraries (htmx's
# indicator style, Leaflet, Swagger UI) set them, and they cannot run code.
_map_tile_origins = [
    f"{parts.scheme}://{parts.netloc}"
    for parts in [urlsplit(env.str("MAP_TILE_URL", default=""))]
    if parts.netloc
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # A map tile server inside the police network (MAP_TILE_URL below) is the one other source.
        "img-src": ["'self'", "data:", *_map_tile_origins],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Development serves static files from the apps (finders); production collects them to STATIC_ROOT.
STATIC_ROOT = env.str("STATIC_ROOT", default=None)
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Personal data (PIPL). Keys default to values derived from SECRET_KEY; production sets them.
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS", default=[SECRET_KEY])
PII_HASH_KEY = env.str("PII_HASH_KEY", default=SECRET_KEY)
# Ended dispute cases keep their parties' personal data this long, then a nightly job anonymises
# them (statistics stay). Five years by default; set it from the local archive rules.
DISPUTE_RETENTION_DAYS = env.int("DISPUTE_RETENTION_DAYS", default=5 * 365)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # ``Authorization: Token <token>``: django-rest-knox, tokens hashed at rest, with an expiry.
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "governance.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "governance.api.errors.exception_handler",
    # Requests per person (user), per address (anon) and per address on the token endpoint
    # (auth-token): generous for people and the hotline systems, a bound for scrapers and sprayers.
    # The client address is REMOTE_ADDR (NUM_PROXIES 0: a client's X-Forwarded-For is not believed).
    "DEFAULT_THROTTLE_CLASSES": [
        "governance.api.throttles.AnonThrottle",
        "governance.api.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_USER", default="600/minute"),
        "anon": env.str("API_RATE_ANON", default="60/minute"),
        "auth-token": env.str("API_RATE_TOKEN", default="20/minute"),
    },
    "NUM_PROXIES": 0,
}
# API tokens (django-rest-knox, governance/services/tokens.py): stored as a SHA-512 digest, each
# valid API_TOKEN_TTL_DAYS from its issue (no sliding renewal: a leaked token dies on its date);
# a person holds at most API_TOKENS_PER_PERSON, the oldest ending when one more is issued.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
API_TOKENS_PER_PERSON = env.int("API_TOKENS_PER_PERSON", default=10)
# The API's longest page (``?limit=``); more is cut to this.
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)
SPECTACULAR_SETTINGS = {
    "TITLE": "Rongzhi API",
    "DESCRIPTION": "Grassroots policing and local governance platform (融治).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "stations.models.DispatchOrder.Status",
        "SummonsStatusEnum": "stations.models.Summons.Status",
        "DisputeStatusEnum": "disputes.models.Dispute.Status",
        "DisputeChannelEnum": "disputes.models.Dispute.Channel",
        "DisputeCategoryEnum": "disputes.models.Category",
        "DisputeTierEnum": "disputes.models.Tier",
        "PartyRoleEnum": "disputes.models.Party.Role",
        "PartyKindEnum": "disputes.models.Party.Kind",
        "SessionKindEnum": "disputes.models.Session.Kind",
        # Other apps' choice sets under the same field names (kind, role, channel, category).
        "AgencyKindEnum": "governance.models.Agency.Kind",
        "MembershipRoleEnum": "governance.models.Membership.Role",
        "DutyRoleEnum": "stations.models.DutyShift.Role",
        "AlertChannelEnum": "stations.models.Alert.Channel",
        "AlertCategoryEnum": "stations.models.Alert.Category",
        "DatasetEnum": "peace_index.models.DataSource",
    },
}

# Bootstrap's names for the message levels: an error is "danger" (red), announced as an alert.
MESSAGE_TAGS = {message_constants.ERROR: "danger"}

# The station's live channel: how many streams (open dashboards) one person may hold at once.
LIVE_STREAMS_PER_USER = env.int("LIVE_STREAMS_PER_USER", default=6)

# Exact search by a full ID number or phone is an unmasking (a right, a reason, logged) and is
# counted per person: at most this many in a fixed window (disputes' ledger, governance.services.people).
PERSONAL_DATA_SEARCH_LIMIT = env.int("PERSONAL_DATA_SEARCH_LIMIT", default=20)
PERSONAL_DATA_SEARCH_WINDOW_SECONDS = env.int("PERSONAL_DATA_SEARCH_WINDOW_SECONDS", default=3600)

# --- Celery -----------------------------------------------------------------------------------
# Embedded default: kombu's file-system transport needs no server, and a real worker (with
# beat) consumes it, so on-commit tasks and periodic tasks really run.
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    # A task taken by a worker that died (SIGKILL, lost machine) is handed to another worker once
    # unacknowledged for visibility_timeout; tasks are idempotent, so a slow one run twice is safe.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=10),
        "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Broadcast/control messages (worker remote control); kombu's default is ./control.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_HEARTBEAT_SECONDS = env.float("CELERY_HEARTBEAT_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE_FILE = str(VAR_DIR / "celerybeat-schedule")
# Cadence of the outbox sweeps and of the dispute escalation sweep (tests shorten them).
CELERY_OUTBOX_SWEEP_SECONDS = env.float("CELERY_OUTBOX_SWEEP_SECONDS", default=10.0)
CELERY_DISPUTES_SWEEP_SECONDS = env.float("CELERY_DISPUTES_SWEEP_SECONDS", default=300.0)
CELERY_NOTIFY_SWEEP_SECONDS = env.float("CELERY_NOTIFY_SWEEP_SECONDS", default=60.0)
# Peace index: an event marks its county's month; the recomputation starts this many seconds
# later, so a burst of events costs one recomputation.
PEACE_INDEX_DEBOUNCE_SECONDS = env.int("PEACE_INDEX_DEBOUNCE_SECONDS", default=30)

# Outbound notification channels: per-attempt HTTP timeout and retry budget.
NOTIFY_HTTP_TIMEOUT_SECONDS = env.float("NOTIFY_HTTP_TIMEOUT_SECONDS", default=5.0)
NOTIFY_MAX_RETRIES = env.int("NOTIFY_MAX_RETRIES", default=5)
NOTIFY_RETRY_BACKOFF_SECONDS = env.int("NOTIFY_RETRY_BACKOFF_SECONDS", default=10)
# A message still PENDING this long after it was queued is re-enqueued by the outbox sweep.
NOTIFY_STALE_AFTER = timedelta(minutes=env.int("NOTIFY_STALE_AFTER_MINUTES", default=5))
# A message claimed (SENDING) this long ago is taken to be a dead worker's and offered again.
NOTIFY_SENDING_LEASE = timedelta(seconds=env.int("NOTIFY_SENDING_LEASE_SECONDS", default=300))

# Station maps draw village boundaries on a plain background; a tile server inside the police
# network may be configured (e.g. http://tiles.internal/{z}/{x}/{y}.png). Never a public one.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rongzhi@localhost")

# Structured logs (one JSON object a line, with the request id) unless DEBUG; LOG_FORMAT overrides.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "governance.structured_logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "governance.structured_logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes narrates every login at INFO; lockouts come at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
