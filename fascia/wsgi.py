import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")

django_application = get_wsgi_application()

from fascia.website.served_pages import ServedPages  # noqa: E402  (needs Django set up)

application = ServedPages(django_application)
