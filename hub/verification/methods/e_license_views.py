"""Pages of the ``e_license`` method: the start (a redirect to the identity provider) and the
callback (the claims become a verification). Thin: the client talks to the provider, the
service decides; every outcome is a message on the verification wizard."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hub.errors import HubError
from hub.models import Signer
from hub.services.verification import Messages as VerificationMessages
from hub.services.verification import verification_of
from hub.verification.methods import e_license_client
from hub.verification.methods.e_license import ELicenseMethod
from hub.verification.methods.e_license_services import enterprise_verify_by_e_license
from hub.web.access import role_required

WIZARD = "verification"


def method_available(view):
    """Without a configured provider the method does not exist here: 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not ELicenseMethod.is_available():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@role_required("enterprise")
@method_available
@require_GET
def e_license_start(request):
    if verification_of(request.user.organization).closed:
        messages.error(request, VerificationMessages.CLOSED)
        return redirect(WIZARD)
    callback_url = request.build_absolute_uri(reverse("verification-e-license-callback"))
    try:
        return e_license_client.sign_in_redirect(request, callback_url)
    except e_license_client.SignInFailed as failure:
        messages.error(request, failure.message)
        return redirect(WIZARD)


@role_required("enterprise")
@method_available
@require_GET
def e_license_callback(request):
    try:
        claims = e_license_client.sign_in_claims(request)
        _verification, role = enterprise_verify_by_e_license(
            enterprise=request.user.organization,
            user=request.user,
            claims=claims,
            issuer=settings.HUB_E_LICENSE_ISSUER,
        )
    except e_license_client.SignInFailed as failure:
        messages.error(request, failure.message)
    except HubError as error:
        messages.error(request, error.message)
    else:
        if role == Signer.Role.LEGAL_REPRESENTATIVE:
            messages.success(
                request, _("Verified with the electronic business licence: you sign as the legal representative.")
            )
        else:
            messages.success(
                request,
                _(
                    "Verified with the electronic business licence: you sign as an agent for every category for one year."
                ),
            )
    return redirect(WIZARD)
