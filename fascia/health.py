"""`/healthz`: whether this server can reach its database and cache."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database is unreachable")
        return False


def _cache_ok() -> bool:
    probe = uuid.uuid4().hex
    try:
        cache.set("healthz-probe", probe, 10)
        return cache.get("healthz-probe") == probe
    except Exception:
        logger.exception("Health check: the cache is unreachable")
        return False


@never_cache
@require_safe
def healthz(request):
    database, cache_state = _database_ok(), _cache_ok()
    body = {
        "status": "ok" if database and cache_state else "degraded" if database else "error",
        "database": "ok" if database else "unreachable",
        "cache": "ok" if cache_state else "unreachable",
    }
    return JsonResponse(body, status=200 if database else 503)
