import re

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Page

from fascia.tests.personas import signed_in
from fascia.website.cms_csp import rewrite_inline_calls

EXECUTABLE_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src|type)=)[^>]*>", re.IGNORECASE)


class TestRewrite:
    def test_it_turns_a_chooser_call_into_a_data_block(self):
        html = '<input id="id_reviewer"><script>new PageChooser("id_reviewer", {"a": 1});</script>'
        assert rewrite_inline_calls(html) == (
            '<input id="id_reviewer"><script type="application/json" '
            'data-csp-call="PageChooser" data-csp-new>["id_reviewer", {"a": 1}]</script>'
        )

    def test_it_rewrites_a_plain_function_call(self):
        html = '<script>initDateChooser("id_date", {"dayOfWeekStart": 1});</script>'
        assert 'data-csp-call="initDateChooser">' in rewrite_inline_calls(html)

    def test_it_leaves_a_function_that_is_not_allowed_for_the_policy_to_block(self):
        html = '<script>location.assign("https://example.com");</script><script>alert(1);</script>'
        assert rewrite_inline_calls(html) == html

    def test_it_leaves_arguments_that_are_not_json(self):
        html = "<script>new PageChooser(document.cookie);</script>"
        assert rewrite_inline_calls(html) == html

    def test_markup_in_the_arguments_cannot_close_the_data_block(self):
        html = '<script>new PageChooser("x", {"title": "<\\/script><b>"});</script>'
        rewritten = rewrite_inline_calls(html)
        assert rewritten.count("</script>") == 1
        assert "\\u003C/script\\u003E" in rewritten


@pytest.mark.django_db
class TestEditorPages:
    @pytest.fixture
    def editor(self, client, site):
        user = get_user_model().objects.create_superuser("neha", password="x")
        return signed_in(client, user)

    def test_no_page_editor_needs_an_inline_script(self, editor):
        pages = Page.objects.filter(depth__gt=1).specific()
        seen_types = set()
        for page in pages:
            if type(page) in seen_types:
                continue
            seen_types.add(type(page))
            response = editor.get(f"/cms/pages/{page.pk}/edit/")
            assert response.status_code == 200
            html = response.content.decode()
            assert not EXECUTABLE_INLINE_SCRIPT.findall(html), type(page).__name__
            assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert len(seen_types) == 13

    def test_the_content_length_is_that_of_the_rewritten_page(self, editor):
        # A client that does not ask for gzip reads exactly Content-Length bytes.
        page = Page.objects.filter(depth__gt=1).first()
        response = editor.get(f"/cms/pages/{page.pk}/edit/")
        assert 'data-csp-call="' in response.content.decode()
        assert int(response["Content-Length"]) == len(response.content)

    def test_the_settings_and_snippet_editors_need_no_inline_script(self, editor):
        for url in ("/cms/settings/website/clinicsettings/", "/cms/snippets/website/symptom/"):
            html = editor.get(url, follow=True).content.decode()
            assert not EXECUTABLE_INLINE_SCRIPT.findall(html), url
