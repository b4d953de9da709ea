"""The hub's one authentication backend: Django's ModelBackend behind the login guard.

``django.contrib.auth.authenticate()`` is how every password is checked (the token API, the
login page, the administration's login, a test client's ``login()``), and this is its only
backend (``AUTHENTICATION_BACKENDS``), so no login path can skip the guard. A refusal is
raised as :class:`hub.services.logins.LoginRefused` rather than returned as None, so the caller
can say why (429 with Retry-After in the API, the form's error on pages).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from hub.client_address import client_address
from hub.services.logins import login_attempt_check, login_failure_record, login_success_record


class GuardedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_address(request) if request is not None else None
        login_attempt_check(username=username, address=address)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, address=address)
        else:
            login_success_record(username=username)
        return user
