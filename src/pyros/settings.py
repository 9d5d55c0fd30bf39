"""Django settings: one module, every deployment choice from the environment.

Embedded default: SQLite (WAL) in the data directory and a Celery broker on the local
filesystem, so nothing but Python is needed.  Production: ``PYROS_DATABASE_URL`` pointing at
PostgreSQL and ``PYROS_BROKER_URL`` at Redis or RabbitMQ (see docs/deployment.md).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from pyros.env import EnvError, env_bool, env_int, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent

#: Where PyROS keeps its database, archive, broker spool, secret key and exchange folders.
DATA_DIR = env_path("PYROS_DATA_DIR", Path.cwd() / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("PYROS_DEBUG", env_bool("DEBUG", False))


def _secret_key() -> str:
    """From ``PYROS_SECRET_KEY``, else a key generated once into the data directory."""
    key = env_str("PYROS_SECRET_KEY", "")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in env_str("PYROS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env_str("PYROS_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "pyros.system",
    "pyros.accounts",
    "pyros.routines",
    "pyros.alerts",
    "pyros.scheduler",
    "pyros.monitoring",
    "pyros.execution",
    "pyros.pipeline",
    "pyros.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pyros.urls"
WSGI_APPLICATION = "pyros.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pyros.web.context.observatory",
            ],
        },
    },
]

# --- database ------------------------------------------------------------------------
DEFAULT_SQLITE = DATA_DIR / "pyros.sqlite3"
DATABASE_URL = env_str("PYROS_DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("PYROS_DB_CONN_MAX_AGE", 0))
except Exception as exc:  # dj_database_url raises bare exceptions for unknown schemes
    raise EnvError(f"PYROS_DATABASE_URL is not a database URL: {DATABASE_URL!r} ({exc})") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while agents write; the timeout rides out short locks.
    _db["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db.setdefault("TEST", {})["NAME"] = str(DATA_DIR / "test.sqlite3")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
BROKER_URL = env_str("PYROS_BROKER_URL", "filesystem://")
CELERY_BROKER_URL = BROKER_URL
if BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_RESULT_BACKEND = env_str("PYROS_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("PYROS_CELERY_EAGER", False)

# --- auth, i18n, static ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
#: Before ``collectstatic`` (tests, first start) fall back to unhashed names, not a 500.
WHITENOISE_MANIFEST_STRICT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
MEDIA_ROOT = DATA_DIR / "media"

EMAIL_BACKEND = env_str("PYROS_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env_str("PYROS_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("PYROS_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("PYROS_EMAIL_FROM", "pyros@localhost")

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PyROS API",
    "DESCRIPTION": "Robotic observatory: requests, schedule, alerts, devices.",
    "VERSION": "0.1.0",
}

# --- production hardening (``pyros manage check --deploy`` with PYROS_DEBUG=false) -----------
SECURE_HTTPS = env_bool("PYROS_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = env_int("PYROS_HSTS_SECONDS", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
# Loopback HTTP deployments (the demo) cannot set secure cookies or HSTS; production behind
# TLS sets PYROS_HTTPS=true and these checks then pass instead of being silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HTTPS else [
    "security.W004", "security.W008", "security.W012", "security.W016",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "db": {"class": "pyros.system.logs.DatabaseLogHandler", "level": "INFO"},
    },
    "loggers": {
        "pyros": {"handlers": ["console", "db"], "level": env_str("PYROS_LOG_LEVEL", "INFO"),
                  "propagate": False},
    },
}
