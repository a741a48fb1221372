from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from fascia.cacheable import cacheable_page
from fascia.health import healthz


def media(request, path):
    """Uploaded images in the embedded mode; behind a reverse proxy, serve /media/ there."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "robots.txt",
        cacheable_page(TemplateView.as_view(template_name="robots.txt", content_type="text/plain")),
        name="robots",
    ),
    path("sitemap.xml", cacheable_page(sitemap), name="sitemap"),
    path("enquire/", include("fascia.enquiries.urls")),
    path("self-check/", include("fascia.enquiries.self_check_urls")),
    path("app/enquiries/", include("fascia.enquiries.inbox_urls")),
    path("check/", include("fascia.records.check_urls")),
    path("app/", include("fascia.workspace.urls")),
    path("app/", include("fascia.records.urls")),
    path("app/", include("fascia.treatment.urls")),
    path("p/", include("fascia.treatment.patient_urls")),
    path("f/", include("fascia.treatment.follow_up_urls")),
    path("app/", include("fascia.messaging.urls")),
    path("app/", include("fascia.scheduling.urls")),
    path("app/", include("fascia.scheduling.booking_urls")),
    path("a/", include("fascia.scheduling.patient_urls")),
    path("appointment-request/", include("fascia.scheduling.public_urls")),
    path("calendar/", include("fascia.scheduling.feed_urls")),
    path("app/", include("fascia.clinics.urls")),
    path("cms/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    re_path(r"^media/(?P<path>.*)$", media),
    path("", include(wagtail_urls)),
]
