"""Settings read from the environment.

With nothing set this is the embedded default: SQLite, a file-system Celery broker and a
worker started beside the web server (see ``scripts/run.sh``). ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis. Production hardening lives in ``production.py``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "governance.apps.GovernanceConfig",
    "stations.apps.StationsConfig",
    "volunteers.apps.VolunteersConfig",
    "disputes.apps.DisputesConfig",
    "peace_index.apps.PeaceIndexConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "governance.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: anonymous users hold no object permissions

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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "governance.api.errors.exception_handler",
}
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
        "AlertChannelEnum": "stations.models.Alert.Channel",
        "AlertCategoryEnum": "stations.models.Alert.Category",
    },
}

# --- Celery -----------------------------------------------------------------------------------
# Embedded default: kombu's file-system transport needs no server, and a real worker (with
# beat) consumes it, so on-commit tasks and periodic tasks really run.
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
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
# Peace index: an event marks its county's month; the recomputation starts this many seconds
# later, so a burst of events costs one recomputation.
PEACE_INDEX_DEBOUNCE_SECONDS = env.int("PEACE_INDEX_DEBOUNCE_SECONDS", default=30)

# Outbound notification channels: per-attempt HTTP timeout and retry budget.
NOTIFY_HTTP_TIMEOUT_SECONDS = env.float("NOTIFY_HTTP_TIMEOUT_SECONDS", default=5.0)
NOTIFY_MAX_RETRIES = env.int("NOTIFY_MAX_RETRIES", default=5)
NOTIFY_RETRY_BACKOFF_SECONDS = env.int("NOTIFY_RETRY_BACKOFF_SECONDS", default=10)
# A message still PENDING this long after it was queued is re-enqueued by the outbox sweep.
NOTIFY_STALE_AFTER = timedelta(minutes=env.int("NOTIFY_STALE_AFTER_MINUTES", default=5))

# Station maps draw village boundaries on a plain background; a tile server inside the police
# network may be configured (e.g. http://tiles.internal/{z}/{x}/{y}.png). Never a public one.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rongzhi@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
