"""The hub's side of the electronic business licence (电子营业执照) sign-in: an OpenID Connect
relying party built on Authlib's Django client — authorization code flow with PKCE (S256),
the ID token checked by Authlib (signature against the provider's JWKS, ``iss``, ``aud``,
``nonce``, ``exp``). The one e-licence module that talks to the network, so tests have one
place to point elsewhere; they point it at the simulator (``e_license_simulator.py``)."""

from __future__ import annotations

import logging
import time
from functools import lru_cache

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from joserfc.errors import JoseError

logger = logging.getLogger(__name__)

CLIENT_NAME = "e_license"
TIMEOUT_SECONDS = 10
# Discovery is re-read this often, so a provider that moves an endpoint is followed without a
# restart; a rotated signing key is picked up sooner (Authlib re-reads the JWKS on an unknown kid).
METADATA_SECONDS = 3600


class Messages:
    UNREACHABLE = _("The electronic business licence service cannot be reached; try again later.")
    DENIED = _("The sign-in with the electronic business licence was cancelled; nothing was changed.")
    STATE = _(
        "The answer of the electronic business licence service does not belong to a sign-in started here; "
        "nothing was changed. Start again."
    )
    FAILED = _("The electronic business licence service's answer could not be verified; nothing was changed.")


class SignInFailed(Exception):
    """The sign-in gave no claims the hub can trust; ``message`` says why, for the person."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@lru_cache(maxsize=8)
def _client(issuer: str, client_id: str, client_secret: str, period: int):
    # Keyed by the settings (tests and a reconfigured hub get a client of their own) and by
    # the metadata period; Authlib keeps the discovery document and the JWKS on the client.
    return OAuth().register(
        name=CLIENT_NAME,
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid", "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
    )


def provider_client():
    """The Authlib client for the provider configured now (read at request time)."""
    return _client(
        settings.HUB_E_LICENSE_ISSUER,
        settings.HUB_E_LICENSE_CLIENT_ID,
        settings.HUB_E_LICENSE_CLIENT_SECRET,
        int(time.time() // METADATA_SECONDS),
    )


def sign_in_redirect(request: HttpRequest, callback_url: str) -> HttpResponse:
    """The redirect to the provider's login; state, nonce and the PKCE verifier wait in the
    session for the callback. Raises SignInFailed when the provider cannot be reached."""
    try:
        return provider_client().authorize_redirect(request, callback_url)
    except (requests.RequestException, ValueError, KeyError) as error:
        logger.warning("e-licence provider discovery failed: %s", error)
        raise SignInFailed(Messages.UNREACHABLE) from error


def sign_in_claims(request: HttpRequest) -> dict:
    """The verified ID token claims of the callback ``request`` (the code exchanged with the
    PKCE verifier, the token's signature, issuer, audience, nonce and expiry checked).

    Raises SignInFailed: the person cancelled, the state is not one this session started
    (a forged or replayed callback), the provider is unreachable, or its answer does not verify.
    """
    try:
        token = provider_client().authorize_access_token(request)
    except MismatchingStateError as error:
        raise SignInFailed(Messages.STATE) from error
    except OAuthError as error:
        logger.info("e-licence sign-in refused: %s %s", error.error, error.description)
        raise SignInFailed(Messages.DENIED if error.error == "access_denied" else Messages.FAILED) from error
    except requests.RequestException as error:
        logger.warning("e-licence provider unreachable: %s", error)
        raise SignInFailed(Messages.UNREACHABLE) from error
    except (JoseError, ValueError) as error:
        logger.warning("e-licence ID token rejected: %s", error)
        raise SignInFailed(Messages.FAILED) from error
    claims = token.get("userinfo")
    if not claims:
        # No ID token: nothing the provider signed says who signed in.
        raise SignInFailed(Messages.FAILED)
    return dict(claims)
