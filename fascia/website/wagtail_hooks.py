from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def start_widgets_without_inline_scripts():
    """Load the script that replaces Wagtail's inline widget scripts (see csp-init.js)."""
    return format_html('<script src="{}"></script>', static("cms/csp-init.js"))
