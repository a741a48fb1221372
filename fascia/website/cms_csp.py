"""Keep the CMS working under a Content-Security-Policy that forbids inline scripts.

Wagtail's admin starts some widgets with an inline script that is a single call with JSON
arguments, such as `<script>new PageChooser("id_reviewer", {...});</script>` or
`<script>initDateChooser("id_last_reviewed", {...});</script>`. For CMS pages this
middleware rewrites each such script, when the function is on the allow-list below, into
a JSON data block (`<script type="application/json" data-csp-call="PageChooser">`) that
the browser does not execute; `static/cms/csp-init.js` then makes the same call. Anything
else stays as it is, so the policy blocks it: the CMS never needs `unsafe-inline`.
Fascia's copies of `wagtailadmin/panels/*.html` write their calls in the same form.
"""

import json
import re

from .templatetags.website_tags import script_json

ALLOWED_CALLS = frozenset(
    {
        "PageChooser",
        "ImageChooser",
        "DocumentChooser",
        "SnippetChooser",
        "TaskChooser",
        "initDateChooser",
        "initTimeChooser",
        "initDateTimeChooser",
        "InlinePanel",
        "MultipleChooserPanel",
    }
)
INLINE_CALL = re.compile(r"<script>\s*(new\s+)?([A-Za-z]\w*)\((.*?)\);?\s*</script>", re.DOTALL)


def _as_data_block(match: re.Match) -> str:
    construct, name, arguments = match.groups()
    if name not in ALLOWED_CALLS:
        return match.group(0)
    try:
        parsed = json.loads(f"[{arguments}]")
    except ValueError:
        return match.group(0)
    new = " data-csp-new" if construct else ""
    payload = script_json(json.dumps(parsed))
    return f'<script type="application/json" data-csp-call="{name}"{new}>{payload}</script>'


def rewrite_inline_calls(html: str) -> str:
    return INLINE_CALL.sub(_as_data_block, html)


def inline_calls_as_data(get_response):
    def middleware(request):
        response = get_response(request)
        if (
            request.path.startswith("/cms/")
            and response.get("Content-Type", "").startswith("text/html")
            and not response.streaming
        ):
            response.content = rewrite_inline_calls(response.content.decode(response.charset))
        return response

    return middleware
