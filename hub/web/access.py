"""Who may open a page: ``@role_required("bank")``, ``@role_required("operator", "platform")``.
Anonymous people are sent to the login page; logged-in people of another role get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from hub.models import Organization, User


def _of_kind(kind: str) -> Callable[[User], bool]:
    return lambda user: user.organization is not None and user.organization.kind == kind


ROLES: dict[str, Callable[[User], bool]] = {
    "operator": lambda user: user.is_operator,
    # Anyone of any organization (the operator has none).
    "member": lambda user: user.organization_id is not None,
    **{kind: _of_kind(kind) for kind in Organization.Kind.values},
}


def has_role(user: User, *roles: str) -> bool:
    """Whether ``user`` is in one of ``roles`` (keys of :data:`ROLES`): for what a page offers."""
    return user.is_authenticated and any(ROLES[role](user) for role in roles)


def role_required(*roles: str):
    """Logged in, and in one of ``roles`` (keys of :data:`ROLES`); anyone else gets 403."""
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise ValueError(f"role_required takes roles among {', '.join(ROLES)}; got {roles}")
    checks = [ROLES[role] for role in roles]

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(check(request.user) for check in checks):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
