"""Settings, all read from the environment here and nowhere else (README lists every variable)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development key).")
    SECRET_KEY = "development-only-secret-key-do-not-use-in-production"

# Encrypts ID numbers and phones and keys their look-up hashes. Changing it makes stored
# personal data unreadable, so it is separate from SECRET_KEY and must be backed up.
PERSONAL_DATA_KEY = os.environ.get("PERSONAL_DATA_KEY", SECRET_KEY)

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "bootstrap",
    "axes",
    "accounts",
    "deadlines",
    "petitions",
    "cases",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation (on by default since PostgreSQL 12). With a million petitions the planner's
    # cost of the statistics' lists passes jit_above_cost, and compiling took 0.4–1 s for a query that
    # runs in 80 ms (bench/README.md, "Statistics and reports"). A ?options= in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    # The statistics' covering indexes (INCLUDE columns) are PostgreSQL's; the demo's SQLite builds
    # them on their key columns only, which is all it needs, and need not say so on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, reading a session's user with their unit (accounts.authentication).
    "accounts.authentication.UserWithUnitBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed logins (page or API token) lock the username out for a while.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Attachments live here and are served only through a view that checks access; never expose
# this directory through the web server.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_MB", "10")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Intake rules a county may tune.
REPEAT_WINDOW_DAYS = int(os.environ.get("REPEAT_WINDOW_DAYS", "180"))

# Reminders (DESIGN §6): how many days before a due date the "due soon" reminder goes out, and how
# often the scan runs. A group visit of at least this many people alerts the leadership at once.
REMINDER_DUE_SOON_DAYS = int(os.environ.get("REMINDER_DUE_SOON_DAYS", "3"))
REMINDER_SCAN_MINUTES = int(os.environ.get("REMINDER_SCAN_MINUTES", "5"))
# How often beat flushes the e-mail outbox, which is what delivers mail held up by a broker outage.
OUTBOX_SEND_SECONDS = int(os.environ.get("OUTBOX_SEND_SECONDS", "60"))
GROUP_VISIT_ALERT_SIZE = int(os.environ.get("GROUP_VISIT_ALERT_SIZE", "50"))
# The county's name, as the statistics print it on their cover line and every page.
COUNTY_NAME = os.environ.get("COUNTY_NAME", "示范县")
# Links in e-mails point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Reliability: a task is acknowledged only when it has finished (tasks are idempotent, so one
# redelivered after a worker died runs again harmlessly), a worker holds one message at a time, and
# every task is killed well before Redis's visibility timeout would hand its message to another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request that queues a task while Redis is down gives up after about a second: the work is in
# the database and the beat jobs below pick it up (config.celery.enqueue_on_commit).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE = {
    "scan-deadlines": {"task": "deadlines.tasks.scan_deadlines", "schedule": timedelta(minutes=REMINDER_SCAN_MINUTES)},
    "send-outbox": {"task": "accounts.tasks.outbox_send", "schedule": timedelta(seconds=OUTBOX_SEND_SECONDS)},
    # Last month's report for the county office from the 1st on, and report runs whose task was lost.
    "reports-tick": {"task": "reporting.tasks.reports_tick", "schedule": timedelta(minutes=10)},
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xinfang@localhost")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
# A notification's e-mail is retried with growing waits, then given up (the in-app one stays).
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "8"))

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header is what makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Xinfang API",
    "DESCRIPTION": (
        "Petition case management (信访案件管理系统) REST API. Every list is paginated "
        '(`{"count", "next", "previous", "results"}`, `?page=`, `?page_size=` up to 200). Errors: 400 '
        '`{"field": ["message"]}` or `{"detail": "message"}`, 401, 403, 404 outside your scope, 409 `{"detail"}` '
        "when the current state does not allow the action. A refused request changes nothing."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc from the installed sidecar package, never a CDN (intranet).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from the public Swagger validator either.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "RouteModeEnum": "petitions.models.RouteMode",
        # Several models have a `status`; each set of values gets its own name.
        "PetitionStatusEnum": "petitions.models.Status",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "PlanStatusEnum": "cases.models.PlanStatus",
        "ExtensionStatusEnum": "cases.models.ExtensionStatus",
        "ReplyStatusEnum": "cases.models.ReplyStatus",
        "DeadlineStatusEnum": "deadlines.models.DeadlineStatus",
        # The case list and detail have their own deadline components; their `kind` is one set.
        "DeadlineKindEnum": "deadlines.models.DeadlineKind",
        "AftercareKindEnum": "cases.models.AftercareKind",
    },
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each rendering step of every PDF at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
