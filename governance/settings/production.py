"""Production settings: everything from the environment, no insecure defaults."""

from django.core.exceptions import ImproperlyConfigured

from governance.settings.base import *  # noqa: F403
from governance.settings.base import INSECURE_DEFAULT_SECRET_KEY, SECRET_KEY, env

if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters in production.")

DEBUG = False
WHITENOISE_USE_FINDERS = False
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "static"))  # noqa: F405
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS")
PII_HASH_KEY = env.str("PII_HASH_KEY")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
