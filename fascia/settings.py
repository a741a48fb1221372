"""Fascia settings: one module, read from the environment, safe defaults for the embedded mode.

The variables are documented in README.md ("Configuration").
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FASCIA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def load_secret_key() -> str:
    """The key from SECRET_KEY, or one generated once into var/ and reused after."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = load_secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# The public address the site's links name (canonical links, the Wagtail site record, staff
# emails). Unset, it is the address the server listens on: HOST and PORT, which `make run`
# exports and gunicorn.conf.py reads.
FASCIA_BASE_URL = os.environ.get(
    "FASCIA_BASE_URL",
    f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}",
).rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", FASCIA_BASE_URL)

INSTALLED_APPS = [
    "fascia",
    "fascia.accounts",
    "fascia.clinics",
    "fascia.records",
    "fascia.messaging",
    "fascia.treatment",
    "fascia.scheduling",
    "fascia.website",
    "fascia.enquiries",
    "fascia.workspace",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "phonenumber_field",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "fascia.middleware.security_headers",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Inside CommonMiddleware, which sets Content-Length from the rewritten page.
    "fascia.website.cms_csp.inline_calls_as_data",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fascia.website.cache.page_cache",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Whether the session has given a second factor; then the gate that asks for it and ends
    # idle, old and signed-out-everywhere sessions (fascia/clinics/middleware.py).
    "django_otp.middleware.OTPMiddleware",
    "fascia.clinics.middleware.sign_in_gate",
    # A 404 for a clinical record that exists becomes an `access.refused` audit event.
    "fascia.workspace.refusals.record_refusals",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the paused page.
    "axes.middleware.AxesMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "fascia.urls"
WSGI_APPLICATION = "fascia.wsgi.application"

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
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite in WAL mode under var/ unless DATABASE_URL points elsewhere.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fascia.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on busy_timeout
        # instead of failing with "database is locked" when a read transaction upgrades.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    # Tests use a file, not shared-cache memory: the browser tests' live server answers from
    # other threads, and only a file database lets them wait on a lock instead of failing.
    # One file per test run, so that two runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, local memory otherwise. The page cache has its own
# alias so that invalidating it never touches other cached data.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        alias: {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"fascia-{alias}",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
        for alias in ("default", "pages")
    }
else:
    # Files under var/cache/, not process memory: gunicorn's worker processes must share
    # the page cache's generation (or a publication would reach only one of them) and the
    # enquiry rate-limit counters (or each worker would allow the full limit).
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache" / alias,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
        for alias in ("default", "pages")
    }
# How long this server's page cache keeps a page, and how long shared caches in front of it
# (a reverse proxy, a CDN) may: both well under FASCIA_ENQUIRY_FORM_MAX_AGE, so the form on
# a kept page still has most of its token's life left when a visitor gets it.
FASCIA_PAGE_CACHE_SECONDS = int(os.environ.get("FASCIA_PAGE_CACHE_SECONDS", 3600))
FASCIA_SHARED_CACHE_SECONDS = int(os.environ.get("FASCIA_SHARED_CACHE_SECONDS", 300))

# Background work. Our tasks go to the database queue, which `manage.py db_worker` runs
# (started beside the web server by `make run`). Wagtail's own small tasks run inline.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# Email: written to files under var/mail/ unless an SMTP server is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Fascia <noreply@localhost>")

# Enquiries from the public website.
PHONENUMBER_DEFAULT_REGION = "IN"
PHONENUMBER_DB_FORMAT = "E164"
FASCIA_ENQUIRY_NOTIFY = env_list("FASCIA_ENQUIRY_NOTIFY", "")
FASCIA_ENQUIRY_RETENTION_DAYS = int(os.environ.get("FASCIA_ENQUIRY_RETENTION_DAYS", 365))
# A private link for a patient (screening, questionnaires) works for this many days.
FASCIA_PATIENT_LINK_DAYS = int(os.environ.get("FASCIA_PATIENT_LINK_DAYS", 7))
# A patient's home-exercise page (/p/) works this long, or until its exercises are replaced.
FASCIA_EXERCISE_LINK_DAYS = int(os.environ.get("FASCIA_EXERCISE_LINK_DAYS", 180))
FASCIA_ENQUIRY_MIN_SECONDS = float(os.environ.get("FASCIA_ENQUIRY_MIN_SECONDS", 2))
# A form rendered longer ago than this comes back to be checked and sent again.
FASCIA_ENQUIRY_FORM_MAX_AGE = int(os.environ.get("FASCIA_ENQUIRY_FORM_MAX_AGE", 24 * 3600))
# Accepted enquiries per address per 10 minutes (generous: many mobile users share one
# public address), and per phone number per hour.
FASCIA_ENQUIRY_IP_LIMIT = int(os.environ.get("FASCIA_ENQUIRY_IP_LIMIT", 30))
FASCIA_ENQUIRY_PHONE_LIMIT = int(os.environ.get("FASCIA_ENQUIRY_PHONE_LIMIT", 3))
# Submissions judged spam per address per 10 minutes: counted apart, so spam never uses
# up a real person's limits; past it, more spam from that address is not stored.
FASCIA_ENQUIRY_SPAM_LIMIT = int(os.environ.get("FASCIA_ENQUIRY_SPAM_LIMIT", 30))
# How many reverse proxies in front of the app add to X-Forwarded-For (0: none).
FASCIA_PROXY_COUNT = int(os.environ.get("FASCIA_PROXY_COUNT", 0))

# Passwords: at least 12 characters, not one of the common passwords Django ships (no network
# look-up), not the person's own name or email; no composition rules, no forced rotation.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Staff sessions end after this long without a request, and this long after signing in.
FASCIA_STAFF_IDLE_MINUTES = int(os.environ.get("FASCIA_STAFF_IDLE_MINUTES", 15))
FASCIA_STAFF_SESSION_HOURS = int(os.environ.get("FASCIA_STAFF_SESSION_HOURS", 12))
SESSION_COOKIE_AGE = FASCIA_STAFF_SESSION_HOURS * 3600
# The second factor (django-otp): the name authenticator apps show, and each device's own
# pause after wrong codes (1, 2, 4, 8… seconds), which a right password does not reset.
OTP_TOTP_ISSUER = "Fascia"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fascia.accounts.backends.UsernameOrEmailBackend",
]
# Sign-in throttling on every sign-in page (fascia/accounts/throttle.py): five wrong
# passwords for one account from one address pause signing in there for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("FASCIA_SIGNIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("FASCIA_SIGNIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "fascia.accounts.throttle.account_key"
AXES_CLIENT_IP_CALLABLE = "fascia.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "fascia.accounts.throttle.locked_out"
AXES_VERBOSE = False
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"

LANGUAGE_CODE = "en-in"
LANGUAGES = [("en-in", _("English"))]
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "fascia" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("FASCIA_MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded evidence no URL serves: a staff view checks who may see it, then streams it.
FASCIA_PRIVATE_FILES = Path(os.environ.get("FASCIA_PRIVATE_FILES", VAR_DIR / "private"))
# A credential ending within this many days is shown to its holder and their managers.
FASCIA_CREDENTIAL_WARNING_DAYS = int(os.environ.get("FASCIA_CREDENTIAL_WARNING_DAYS", 30))

# Messages to patients (fascia.messaging). Each channel has a backend: email goes through
# Django's email backend (SMTP when EMAIL_HOST is set, files under var/mail/ otherwise); SMS
# and WhatsApp are written to files under var/messages/ unless an HTTP gateway is set.
FASCIA_SMS_GATEWAY_URL = os.environ.get("FASCIA_SMS_GATEWAY_URL", "")
FASCIA_WHATSAPP_GATEWAY_URL = os.environ.get("FASCIA_WHATSAPP_GATEWAY_URL", "")
FASCIA_MESSAGE_BACKENDS = {
    "email": "fascia.messaging.backends.EmailBackend",
    "sms": "fascia.messaging.backends.HttpGatewayBackend"
    if FASCIA_SMS_GATEWAY_URL
    else "fascia.messaging.backends.FileBackend",
    "whatsapp": "fascia.messaging.backends.HttpGatewayBackend"
    if FASCIA_WHATSAPP_GATEWAY_URL
    else "fascia.messaging.backends.FileBackend",
}
FASCIA_GATEWAY_TOKEN = os.environ.get("FASCIA_GATEWAY_TOKEN", "")
FASCIA_GATEWAY_TIMEOUT_SECONDS = float(os.environ.get("FASCIA_GATEWAY_TIMEOUT_SECONDS", 10))
# A worker sending a message holds it this long; one killed meanwhile leaves it to the
# housekeeping sweep once the hold has passed (and never sooner than 3 gateway timeouts).
FASCIA_MESSAGE_LEASE_SECONDS = int(os.environ.get("FASCIA_MESSAGE_LEASE_SECONDS", 300))
# The channels tried for a patient, in order: the first one they have an address for.
FASCIA_PATIENT_CHANNELS = env_list("FASCIA_PATIENT_CHANNELS", "sms,email")
# Minutes to wait before the 2nd, 3rd, ... attempt; after the last, the message has failed.
FASCIA_MESSAGE_RETRY_MINUTES = [
    int(m) for m in env_list("FASCIA_MESSAGE_RETRY_MINUTES", "1,5,30,120")
]
# Appointment reminders go out this many days before, at this time of the clinic's day.
FASCIA_REMINDER_DAYS_BEFORE = int(os.environ.get("FASCIA_REMINDER_DAYS_BEFORE", 1))
FASCIA_REMINDER_TIME = os.environ.get("FASCIA_REMINDER_TIME", "10:00")
# Post-needling follow-ups: the link works this many hours after it is due; an unanswered
# one is sent again once this many hours after it was due (0: never sent again).
FASCIA_FOLLOW_UP_ANSWER_HOURS = int(os.environ.get("FASCIA_FOLLOW_UP_ANSWER_HOURS", 48))
FASCIA_FOLLOW_UP_RESEND_HOURS = int(os.environ.get("FASCIA_FOLLOW_UP_RESEND_HOURS", 12))
# Free slots start on this grid of minutes from the start of working hours.
FASCIA_SLOT_STEP_MINUTES = int(os.environ.get("FASCIA_SLOT_STEP_MINUTES", 15))
# How far ahead patients are offered free slots on the enquiry confirmation page.
FASCIA_PATIENT_REQUEST_DAYS_AHEAD = int(os.environ.get("FASCIA_PATIENT_REQUEST_DAYS_AHEAD", 14))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

# Security. HSTS and secure cookies apply when the site is served over HTTPS, which the
# base URL declares; behind a TLS-terminating proxy set FASCIA_BEHIND_TLS_PROXY=1.
SERVED_OVER_HTTPS = FASCIA_BASE_URL.startswith("https://")
if env_bool("FASCIA_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SERVED_OVER_HTTPS and env_bool("FASCIA_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if SERVED_OVER_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SERVED_OVER_HTTPS
SESSION_COOKIE_SECURE = SERVED_OVER_HTTPS
CSRF_COOKIE_SECURE = SERVED_OVER_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
# `manage.py check --deploy` passes with these two warnings silenced (fascia/tests/
# test_deploy_checks.py): frames stay SAMEORIGIN because Wagtail's editor shows the page
# preview in a frame of the admin's own origin (security.W019); asking browsers to preload
# HSTS for the whole domain is the organisation's decision and hard to undo, so it is
# opt-in, FASCIA_HSTS_PRELOAD=1 (security.W021).
SECURE_HSTS_PRELOAD = SERVED_OVER_HTTPS and env_bool("FASCIA_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = ["security.W019", "security.W021"]
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

SELF = "'self'"
NONE = "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; its lockouts stay visible as WARNING.
        "axes": {"level": "WARNING"},
        # WeasyPrint (PDFs) logs each step of every document at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Wagtail
WAGTAIL_SITE_NAME = "Fascia"
WAGTAILADMIN_BASE_URL = FASCIA_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "gif": "png"}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# No calls to outside services: no Gravatar avatars in the CMS.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "txt"]
# The shared cache in front of the app servers (deploy/: nginx), purged through Wagtail's
# frontend-cache invalidation whenever a change empties the page cache
# (fascia/website/front_cache.py). Its own address, reached directly, not through another proxy.
FASCIA_FRONT_CACHE_URL = os.environ.get("FASCIA_FRONT_CACHE_URL", "").rstrip("/")
if FASCIA_FRONT_CACHE_URL:
    WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": FASCIA_FRONT_CACHE_URL,
        }
    }
