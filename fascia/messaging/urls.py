"""Messages' staff pages, mounted under /app/ (namespace `outbox`)."""

from .views import urlpatterns

app_name = "outbox"

__all__ = ["app_name", "urlpatterns"]
