from django.templatetags.static import static
from django.utils.html import format_html_join
from wagtail import hooks

ADMIN_SCRIPTS = (
    "cms/csp-init.js",  # starts widgets without inline scripts (see fascia/website/cms_csp.py)
    "cms/accessibility.js",  # repairs to the page editor that axe-core asks for
)


@hooks.register("insert_global_admin_js")
def admin_scripts():
    return format_html_join("", '<script src="{}"></script>', ((static(s),) for s in ADMIN_SCRIPTS))
