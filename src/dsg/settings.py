"""DSG Portal settings: one module, everything from the environment (DSG_*, DATABASE_URL)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from dsg.core.caches import cache_from_url
from dsg.core.private_files import private_dir, private_file_create
from dsg.core.request_log import logging_config
from dsg.core.storage import documents_storage
from dsg.core.trial import TRIAL_SECRET_KEY, trial_mode_decide


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DSG_DATA_DIR", "var")).resolve()
private_dir(DATA_DIR)  # 0700 (database, documents, keys), whatever the umask

DEBUG = _env_bool("DSG_DEBUG")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DSG_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]

# The local-trial mode, decided here and only here. Without DSG_SECRET_KEY the portal runs only
# as the local trial `make run` starts: a built-in public key, plain HTTP, loopback only (host
# names, `dsg serve`'s bind address, every client), a banner on every page. A deployment's
# environment (a public host, the HTTPS settings below) without a key is refused at start.
# A setting whose default differs in a trial takes it from DSG_TRIAL_MODE, as the HTTPS settings
# below do — e.g. `DSG_MFA_REQUIRED = _env_bool("DSG_MFA_REQUIRED", not DSG_TRIAL_MODE)`.
DSG_TRIAL_MODE = trial_mode_decide(
    secret_key=os.environ.get("DSG_SECRET_KEY", ""),
    allowed_hosts=ALLOWED_HOSTS,
    portal_url=os.environ.get("DSG_PORTAL_URL", ""),
    environ=os.environ,
)
SECRET_KEY = TRIAL_SECRET_KEY if DSG_TRIAL_MODE else os.environ["DSG_SECRET_KEY"].strip()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "pgtrigger",  # PostgreSQL triggers that keep the audit ledger append-only (dsg.audit.triggers)
    "django_prometheus",  # /metrics (dsg.core.health)
    "dsg.core",
    "dsg.orgs",
    "dsg.audit",
    "dsg.appointments",
    "dsg.registry",
    "dsg.enrollment",
    "dsg.provisioning",
    "dsg.requests",
    "dsg.equipment",
    "dsg.annual",
    "dsg.documents",
    "dsg.schedule",
    "dsg.contacts",
    "dsg.inspections",
    "dsg.notices",
    "dsg.notifications",
    "dsg.demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "dsg.core.request_log.RequestLogMiddleware",  # the request id, one log line each
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dsg.core.api_errors.ApiErrorMiddleware",  # every refusal under /api/ as JSON {detail, code}
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dsg.core.locale.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dsg.core.uploads.RequestSizeLimitMiddleware",  # before anything reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "dsg.orgs.sessions.IdleSessionMiddleware",  # before the token: a token call has no session
    "dsg.orgs.api_auth.ApiTokenMiddleware",
    "dsg.core.middleware.PrivateAnswersMiddleware",  # after the token: its answers are private too
    "dsg.orgs.mfa.MfaSetupMiddleware",  # who must use 二要素認証 and has none sets it up first
    "dsg.orgs.middleware.TenantScopeMiddleware",
    "dsg.core.middleware.RuleViolationMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
if DSG_TRIAL_MODE:  # a trial answers this machine only, whatever address it was bound to
    MIDDLEWARE.insert(0, "dsg.core.trial.LoopbackOnlyMiddleware")

ROOT_URLCONF = "dsg.urls"
WSGI_APPLICATION = "dsg.wsgi.application"

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
                "dsg.orgs.context_processors.membership",
                "dsg.core.context_processors.trial_mode",
                "dsg.notifications.inbox_views.inbox_context",  # the header's unread count
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'dsg.sqlite3'}",
        # Kept open between requests (checked before reuse): a fresh connection per request
        # cost more than the API call itself (docs/performance.md).
        conn_max_age=int(os.environ.get("DSG_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue instead of failing with "database is locked" (STACK-NOTES: 210/240 without).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # One test database per test process: two test runs on one checkout never share a file.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-dsg-{os.getpid()}.sqlite3")}
    # Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode).
    if str(DATABASES["default"]["NAME"]) not in ("", ":memory:"):
        private_file_create(Path(DATABASES["default"]["NAME"]))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: email + password, no usernames, no open sign-up (accounts are issued).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "dsg.orgs.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
# Counted in the shared cache (CACHES), so the limits hold whatever the number of workers. A
# throttled account is released after its window, or at once by a mailed link (dsg.orgs.throttle):
# "login_unlock" bounds the requests for that link (one mail per address and window).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login_unlock": "10/m/ip,1/5m/key",
}
# The minutes an unlock link stays valid (it works once).
DSG_LOGIN_UNLOCK_MINUTES = int(os.environ.get("DSG_LOGIN_UNLOCK_MINUTES", "30"))
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# 二要素認証 (dsg.orgs.mfa): an authenticator app (TOTP) or a WebAuthn security key after the
# password, recovery codes as the fallback. Required of the office, the provider's staff, every PSA,
# the admin's users and the delegates of a company the office names; DSG_MFA_REQUIRED turns the
# requirement off, which only the local trial does. WebAuthn needs a secure origin: HTTPS, or
# http://localhost for a trial (not 127.0.0.1); MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays off.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_ADAPTER = "dsg.orgs.mfa.PortalMFAAdapter"  # the last factor stays; secrets sealed at rest
MFA_TOTP_ISSUER = "DSG Portal"
MFA_PASSKEY_LOGIN_ENABLED = False  # a key is a second factor, never a password's replacement
DSG_MFA_REQUIRED = _env_bool("DSG_MFA_REQUIRED", not DSG_TRIAL_MODE)

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The portal's own stylesheet lives in src/dsg/static (dsg itself is not an app).
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
if not STATIC_ROOT.exists():
    STATIC_ROOT.mkdir(mode=0o755, exist_ok=True)  # public files: readable, never world-writable
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # The documents' encrypted files: DATA_DIR/documents, or an S3-compatible bucket for several
    # app servers (DSG_DOCUMENT_STORAGE=s3 and DSG_S3_*: dsg.core.storage).
    "documents": documents_storage(dict(os.environ)),
}
WHITENOISE_USE_FINDERS = True

# The cache every worker shares: login throttling counts there (dsg.core.caches). The database
# (table dsg_cache, created by `dsg migrate`) unless DSG_CACHE_URL names Redis or Memcached.
CACHES = {"default": cache_from_url(os.environ.get("DSG_CACHE_URL", ""))}

# Behind a TLS-terminating reverse proxy: trust its X-Forwarded-Proto and the public origin.
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DSG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
if _env_bool("DSG_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address for the per-address login limit: the last entry of X-Forwarded-For,
    # as the proxy in front appends it (with more proxies in a chain, count them all).
    ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("DSG_TRUSTED_PROXY_COUNT", "1"))

# HTTPS in production (defaults on; off in a local trial, which is plain HTTP on loopback):
# plain-HTTP requests are redirected (but /readyz, /healthz and /metrics, for probes from the
# inside), the browser is told to use HTTPS only for a year (HSTS, subdomains included, preload
# allowed) and the cookies are sent over HTTPS only.
SECURE_SSL_REDIRECT = _env_bool("DSG_SSL_REDIRECT", not DSG_TRIAL_MODE)
SECURE_REDIRECT_EXEMPT = [r"^readyz$", r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("DSG_HSTS_SECONDS", "0" if DSG_TRIAL_MODE else str(365 * 24 * 3600))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DSG_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("DSG_HSTS_PRELOAD", True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("DSG_SECURE_COOKIES", not DSG_TRIAL_MODE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 8 * 60 * 60  # the absolute lifetime of a login
# A login also ends after this long without a request (dsg.orgs.sessions).
DSG_SESSION_IDLE_SECONDS = int(os.environ.get("DSG_SESSION_IDLE_MINUTES", "30")) * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

EMAIL_HOST = os.environ.get("DSG_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("DSG_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DSG_DEFAULT_FROM_EMAIL", "dsg-portal@localhost")
# Without DSG_EMAIL_HOST, mail is written to the terminal of the worker (`make run` runs it
# beside the server), readable: subject and body as text (dsg.notifications.console).
EMAIL_BACKEND = os.environ.get(
    "DSG_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("DSG_EMAIL_HOST")
    else "dsg.notifications.console.EmailBackend",
)

# Every SMTP operation gives up after this many seconds: a server that accepts and hangs never
# holds up the worker for long (mail is sent outside any database transaction).
EMAIL_TIMEOUT = float(os.environ.get("DSG_EMAIL_TIMEOUT", "30"))
# The outbox retries a message that could not be sent after DSG_OUTBOX_RETRY_DELAY seconds, doubled
# after each attempt up to DSG_OUTBOX_RETRY_MAX_DELAY (±20 % jitter), DSG_OUTBOX_MAX_ATTEMPTS times
# in all: 1 min, 2, 4 … 4 h, about 3 days; then it is marked failed and shown to the office.
DSG_OUTBOX_RETRY_DELAY = float(os.environ.get("DSG_OUTBOX_RETRY_DELAY", "60"))
DSG_OUTBOX_RETRY_MAX_DELAY = float(os.environ.get("DSG_OUTBOX_RETRY_MAX_DELAY", str(4 * 3600)))
DSG_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("DSG_OUTBOX_MAX_ATTEMPTS", "26"))
# A worker that claimed a message and died is relieved of it after this many seconds.
DSG_OUTBOX_LEASE = float(os.environ.get("DSG_OUTBOX_LEASE", "600"))

PORTAL_URL = os.environ.get("DSG_PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")

# Documents (issue #3): the largest upload accepted, in bytes; files are stored encrypted under
# DATA_DIR/documents with the key DSG_DOCUMENT_KEY or DATA_DIR/keys/documents.key.
DSG_MAX_UPLOAD_BYTES = int(os.environ.get("DSG_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# Refused while they stream (dsg.core.uploads): a file past DSG_MAX_UPLOAD_BYTES is cut off there
# (nothing past the limit is spooled to /tmp); a request body declared larger than
# DSG_MAX_REQUEST_BYTES (default 4 files' worth) is answered 413 before it is read.
DSG_MAX_REQUEST_BYTES = int(os.environ.get("DSG_MAX_REQUEST_BYTES", str(4 * DSG_MAX_UPLOAD_BYTES)))
FILE_UPLOAD_HANDLERS = [
    "dsg.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Logs (dsg.core.request_log): JSON lines on standard error (DSG_LOG_FORMAT; text in the local
# trial, for a terminal), one per request at INFO whatever DSG_LOG_LEVEL says of the rest, every
# record with the request id. The id is the proxy's X-Request-ID when DSG_TRUST_REQUEST_ID says
# the proxy sets it (by default when DSG_BEHIND_TLS_PROXY is on), else a new one; it is answered
# in X-Request-ID and written into the ledger events the request causes.
DSG_TRUST_REQUEST_ID = _env_bool("DSG_TRUST_REQUEST_ID", _env_bool("DSG_BEHIND_TLS_PROXY"))
LOGGING = logging_config(
    log_format=os.environ.get("DSG_LOG_FORMAT", "text" if DSG_TRIAL_MODE else "json").lower(),
    level=os.environ.get("DSG_LOG_LEVEL", "WARNING"),
)

# Health and metrics (dsg.core.health, dsg.notifications.views): /readyz answers 503 when more
# than DSG_READY_OUTBOX_BACKLOG messages wait unsent (0: not checked). /metrics answers a scraper
# that sends "Authorization: Bearer <DSG_METRICS_TOKEN>", or without a token only loopback
# requests that came through no proxy. Several gunicorn processes: set PROMETHEUS_MULTIPROC_DIR.
DSG_READY_OUTBOX_BACKLOG = int(os.environ.get("DSG_READY_OUTBOX_BACKLOG", "1000"))
DSG_METRICS_TOKEN = os.environ.get("DSG_METRICS_TOKEN", "").strip()

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200
