"""What the forms of the staff pages share: labels on their own line, notes without the
characters nobody types (`fascia.typed_text`), and the links of the error summary
(`records/includes/error_summary.html`)."""

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fascia.typed_text import has_control_characters


def no_control_characters(value: str) -> None:
    if has_control_characters(value, line_breaks=True):
        raise ValidationError(
            _("Remove the control characters from the text."), code="control_characters"
        )


def field_error_links(form: forms.Form, labels: Mapping[str, str] = {}) -> list[tuple[str, str]]:
    """(anchor, "label: message") for each error of each field, in the form's order. A group
    of radio buttons or checkboxes is reached by its first; `labels` replaces a field's label
    where the summary needs more than the field shows."""
    links = []
    for name in form.fields:
        bound = form[name]
        anchor = bound.auto_id
        if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            anchor = f"{anchor}_0"
        label = labels.get(name, bound.label)
        links.extend((anchor, f"{label}: {message}") for message in form.errors.get(name, []))
    return links


class StaffForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Labels are styled on their own line: no colon after them.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary: the form's own errors first (no anchor),
        then each field's."""
        return [("", str(message)) for message in self.non_field_errors()] + field_error_links(self)
