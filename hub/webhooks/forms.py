"""Forms of the webhook pages. They validate shapes; the services decide, and their refusals
are shown next to the fields they name. Field names are the services' (and the API's)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.models import WebhookDelivery
from hub.services.webhooks import Messages
from hub.web.widgets import CategoryCheckboxes
from hub.webhooks.catalogue import event_type_choices

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class EndpointForm(forms.Form):
    """An endpoint's URL, description and event types (creating and editing)."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Event types"),
        choices=event_type_choices,
        widget=CategoryCheckboxes,
        error_messages={"required": Messages.EVENT_TYPES_EMPTY},
    )


class DeliveryFilterForm(forms.Form):
    """The deliveries page's filters; every one optional."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    endpoint = forms.TypedChoiceField(label=_("Endpoint"), required=False, coerce=int, empty_value=None)
    event_type = forms.ChoiceField(label=_("Event type"), required=False)

    def __init__(self, *args, endpoints: list[tuple[int, str]], event_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *WebhookDelivery.Status.choices]
        self.fields["endpoint"].choices = [("", _("Any endpoint")), *endpoints]
        self.fields["event_type"].choices = [("", _("Any event type")), *event_types]


class ReplayRangeForm(forms.Form):
    """Deliver again every event of a time range, to one endpoint or to each subscribed one."""

    since = _datetime_field(_("From"))
    until = _datetime_field(_("Until (exclusive)"))
    endpoint_id = forms.TypedChoiceField(label=_("Endpoint"), required=False, coerce=int, empty_value=None)
    event_type = forms.ChoiceField(label=_("Event type"), required=False)

    def __init__(self, *args, endpoints: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint_id"].choices = [("", _("Every subscribed endpoint")), *endpoints]
        self.fields["event_type"].choices = [("", _("Any event type")), *event_type_choices()]

    def clean_event_type(self) -> str | None:
        return self.cleaned_data["event_type"] or None
