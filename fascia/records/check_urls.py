"""The patient's private links, mounted at /check/ (namespace `check`): no account needed."""

from .views import check

app_name = "check"

urlpatterns = check.urlpatterns
