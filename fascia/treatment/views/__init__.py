"""The staff pages of treatment records, one module per part, each with its `urlpatterns`."""
