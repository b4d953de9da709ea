"""Pages hand their input to services and show what the services refuse: ``submit_to_service``
for a form (every refusal is shown on the form, so the person keeps what they typed), and
``run_action`` for a button (NotFound and Forbidden pass through to :mod:`hub.web.errors` as
404 and 403; any other refusal becomes a message, and nothing changed)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages

from hub.errors import Forbidden, HubError, NotFound

# Service field names (as in the API) → form field names.
_FIELD_NAMES = {"admin.username": "admin_username", "admin.password": "admin_password"}


def add_service_error(form: forms.Form, error: HubError) -> None:
    if not error.fields:
        form.add_error(None, error.message)
    for name, field_messages in error.fields.items():
        field = _FIELD_NAMES.get(name, name)
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def submit_to_service(form: forms.Form, service, **arguments):
    """Validate a bound form and call ``service(**arguments, **form.cleaned_data)``.

    Returns ``(result, 200)`` on success, or ``(None, status)`` with the problem shown on the
    form: 400 for invalid fields, the service error's own status (400, 409…) otherwise.
    """
    if not form.is_valid():
        return None, 400
    try:
        return service(**arguments, **form.cleaned_data), 200
    except HubError as error:
        add_service_error(form, error)
        return None, error.status_code


def run_action(request, service, *, success: Callable[[object], str] | str | None = None, **arguments):
    """A button's POST: call ``service(**arguments)``; on success add the ``success`` message
    (a text, or a function of the result) and return the result; when the service refuses
    (the object moved on meanwhile, say), show its message, change nothing, return None."""
    try:
        result = service(**arguments)
    except (NotFound, Forbidden):
        raise
    except HubError as error:
        messages.error(request, error.message)
        return None
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return result
