"""Pages hand their input to services and show what the services refuse: ``submit_to_service``
for a form, ``run_action`` for a button. A NotFound passes through to :mod:`hub.web.errors`
(404: there is nothing to act on); any other refusal — a Forbidden too, whose message says who
may act — is shown on the form (with the error's status) or as a message, and nothing changed."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied

from hub.errors import HubError, NotFound

# Service field names (as in the API) → form field names.
_FIELD_NAMES = {"admin.username": "admin_username", "admin.password": "admin_password"}


def add_service_error(form: forms.Form, error: HubError) -> None:
    if not error.fields:
        form.add_error(None, error.message)
    for name, field_messages in error.fields.items():
        field = _FIELD_NAMES.get(name, name)
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


class errors_shown_on:  # noqa: N801 (used as a context manager, named as a phrase)
    """``with errors_shown_on(form) as refusal:`` — a service's refusal inside the block is
    shown on ``form`` and kept in ``refusal.error`` instead of raised (a NotFound still passes
    through). For views that build a service's arguments themselves."""

    def __init__(self, form: forms.Form):
        self.form = form
        self.error: HubError | None = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or not isinstance(error, HubError) or isinstance(error, NotFound):
            return False
        add_service_error(self.form, error)
        self.error = error
        return True


def submit_to_service(form: forms.Form, service, **arguments):
    """Validate a bound form and call ``service(**arguments, **form.cleaned_data)``.

    Returns ``(result, 200)`` on success, or ``(None, status)`` with the problem shown on the
    form: 400 for invalid fields, the service error's own status (400, 409…) otherwise.
    """
    if not form.is_valid():
        return None, 400
    with errors_shown_on(form) as refusal:
        return service(**arguments, **form.cleaned_data), 200
    return None, refusal.error.status_code


def submit_form(request, form: forms.Form | None, service, *, success: Callable[[object], str], **arguments):
    """A page's form POSTed: ``form`` None means this person may not fill it (403); otherwise
    as :func:`submit_to_service`, with the ``success`` message (a function of the result)."""
    if form is None:
        raise PermissionDenied
    result, status = submit_to_service(form, service, **arguments)
    if result is not None:
        messages.success(request, success(result))
    return result, status


def run_action(request, service, *, success: Callable[[object], str] | str | None = None, **arguments):
    """A button's POST: call ``service(**arguments)``; on success add the ``success`` message
    (a text, or a function of the result) and return the result; when the service refuses
    (the object moved on meanwhile, say), show its message, change nothing, return None."""
    try:
        result = service(**arguments)
    except NotFound:
        raise
    except HubError as error:
        messages.error(request, error.message)
        return None
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return result
