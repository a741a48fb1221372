"""Text people type: a character nobody types is refused, never read around.

Those are the control characters (Unicode category Cc) and the surrogate, private-use and
unassigned code points, and the bidirectional overrides and isolates, which can make text
read differently from what is stored. Indic scripts need the zero-width joiners (category
Cf), so those stay allowed. A note may have tabs and line breaks; text on one line (a name,
an email address, a number) may not, nor the Unicode line and paragraph separators.
"""

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\t")
_NEVER_TYPED = frozenset({"Cc", "Cs", "Co", "Cn"})
_SEPARATORS = frozenset({"Zl", "Zp"})


def has_control_characters(text: str, *, line_breaks: bool = False) -> bool:
    """Whether `text` has a character nobody types; with `line_breaks` (a note), tabs and
    line breaks are typed."""
    refused = _NEVER_TYPED if line_breaks else _NEVER_TYPED | _SEPARATORS
    allowed = LINE_BREAKS if line_breaks else frozenset()
    return any(
        char in BIDI_CONTROLS or (unicodedata.category(char) in refused and char not in allowed)
        for char in text
    )
