"""Response headers that Django's own middleware does not set."""

from django.conf import settings

STAFF_PREFIXES = ("/app/", "/cms/", "/django-admin/")


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path.startswith(STAFF_PREFIXES):
            # Staff pages carry health data: never stored by a browser or a proxy.
            response.headers["Cache-Control"] = "private, no-store"
        return response

    return middleware
