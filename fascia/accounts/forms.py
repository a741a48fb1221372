from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class StaffAuthenticationForm(AuthenticationForm):
    """Sign-in for the staff area: a user without staff status is told so, not let in."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_staff": _(
            "This account cannot use the staff area. Ask your clinic manager for access."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(self.error_messages["not_staff"], code="not_staff")
