"""Sign in with a username or an email address, in any case."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from .models import User


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        match = Q(username__iexact=username)
        if "@" in username:
            match |= Q(email__iexact=username)
        user = User.objects.filter(match).first()
        if user is None:
            # Spend the time a real check would, so that a missing account cannot be told
            # from a wrong password by how long the answer takes (as ModelBackend does).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
