"""Text people type (`fascia/typed_text.py`): what a name and a note may hold."""

import pytest

from fascia.typed_text import has_control_characters


@pytest.mark.parametrize(
    "text",
    [
        "Kavya Rao",
        "ಕಾವ್ಯ ರಾವ್",
        "\u0915\u094d\u200d\u0937",  # a zero-width joiner, which Indic scripts need
        "O'Brien-Nair, Jr.",
        "",
    ],
)
def test_what_people_type_is_kept_on_one_line_and_in_a_note(text):
    assert not has_control_characters(text)
    assert not has_control_characters(text, line_breaks=True)


@pytest.mark.parametrize("text", ["two\nlines", "a\ttab", "crlf\r\n", "line\u2028separator"])
def test_tabs_and_line_breaks_are_typed_in_a_note_never_on_one_line(text):
    assert has_control_characters(text)
    assert not has_control_characters(text, line_breaks=True)


@pytest.mark.parametrize(
    "text",
    [
        "null\x00",
        "bell\x07",
        "escape\x1b[31m",
        "delete\x7f",
        "c1\x85",
        "override\u202eevil",
        "isolate\u2066x\u2069",
        "private\ue000use",
        "unassigned\U000e0fff",
    ],
)
def test_what_nobody_types_is_refused_everywhere(text):
    assert has_control_characters(text)
    assert has_control_characters(text, line_breaks=True)
