"""Text people type: a character nobody types is refused, never read around.

Those are the control characters (Unicode category Cc) and the surrogate, private-use and
unassigned code points, and the bidirectional overrides and isolates, which can make text
read differently from what is stored. Indic scripts need the zero-width joiners (category
Cf), so those stay allowed. A note may have tabs and line breaks; text on one line (a name,
an email address, a number) may not, nor the Unicode line and paragraph separators.

Nobody types the replacement character U+FFFD either: it stands where bytes arrived that
were not UTF-8 (Django decodes a form's bytes with `errors="replace"`), so part of what was
sent is lost. And text made only of invisible characters (zero-width spaces, fillers) looks
empty, so it is refused as well, though each of those characters is fine inside a word.

`refusal` says which of these is wrong, so a form can say it in words; `TypedTextField`
and `TypedEmailField` are form fields that refuse each kind with its own message (a form
gives its own sentences for a field through `error_messages`, keyed by the kind).
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\t")
REPLACEMENT_CHARACTER = "\ufffd"
_NEVER_TYPED = frozenset({"Cc", "Cs", "Co", "Cn"})
_SEPARATORS = frozenset({"Zl", "Zp"})
# Characters that show nothing on their own, besides white space and the format characters
# (category Cf: zero-width space, joiners, soft hyphen): fillers, a blank braille cell, the
# combining grapheme joiner, Khmer's inherent vowels and the variation selectors.
_BLANKS = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0"
    + "".join(chr(code) for code in range(0xFE00, 0xFE10))
    + "".join(chr(code) for code in range(0xE0100, 0xE01F0))
)

# The kinds of refusal, also the codes of the ValidationErrors the fields raise.
UNREADABLE = "unreadable"
DIRECTION = "direction_controls"
CONTROL = "control_characters"
INVISIBLE = "invisible"


def _never_typed(char: str, *, line_breaks: bool) -> bool:
    category = unicodedata.category(char)
    if line_breaks:
        return category in _NEVER_TYPED and char not in LINE_BREAKS
    return category in _NEVER_TYPED or category in _SEPARATORS


def _invisible(char: str) -> bool:
    return char.isspace() or char in _BLANKS or unicodedata.category(char) == "Cf"


def refusal(text: str, *, line_breaks: bool = False) -> str | None:
    """Why `text` cannot be kept as typed (`UNREADABLE`, `DIRECTION`, `CONTROL` or
    `INVISIBLE`), or None when it can. With `line_breaks` (a note), tabs and line breaks
    are typed. Empty or blank text is not refused here: whether it may be empty is the
    form's business."""
    if REPLACEMENT_CHARACTER in text:
        return UNREADABLE
    if any(char in BIDI_CONTROLS for char in text):
        return DIRECTION
    if any(_never_typed(char, line_breaks=line_breaks) for char in text):
        return CONTROL
    if text.strip() and all(_invisible(char) for char in text):
        return INVISIBLE
    return None


def has_control_characters(text: str, *, line_breaks: bool = False) -> bool:
    """Whether `text` has a character nobody types; with `line_breaks` (a note), tabs and
    line breaks are typed."""
    return refusal(text, line_breaks=line_breaks) in (UNREADABLE, DIRECTION, CONTROL)


class TypedTextField(forms.CharField):
    """Text a person typed, refused with a message for each kind of character nobody types
    (`refusal`). Runs before the length and null-character checks, so a control character
    is named as one."""

    default_error_messages = {
        UNREADABLE: _("Part of this could not be read. Please type it again."),
        DIRECTION: _(
            "This has a hidden character that changes the direction of the text. Please type "
            "it again without it."
        ),
        CONTROL: _(
            "This has a character we cannot show (a control character). Please type it again "
            "without it."
        ),
        INVISIBLE: _("This has only characters we cannot see. Please type it again."),
    }

    def __init__(self, *, line_breaks: bool = False, **kwargs):
        self.line_breaks = line_breaks
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        kind = refusal(text, line_breaks=self.line_breaks)
        if kind is not None:
            raise ValidationError(self.error_messages[kind], code=kind)
        return text


class TypedEmailField(TypedTextField, forms.EmailField):
    """An email address, refused like typed text first: Django's address check lets a
    direction override, a zero-width space or U+FFFD through in the domain."""
