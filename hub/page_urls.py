"""The hub's own pages: registration and home, the enterprise's consent (authorizations,
access log, notices)."""

from django.urls import path

from hub.views import accounts, consent

urlpatterns = [
    path("", accounts.home, name="home"),
    path("register/", accounts.register_enterprise, name="register"),
    path("people/<int:member_id>/unlock/", accounts.member_unlock, name="member-unlock"),
    path("authorizations/", consent.authorizations, name="authorizations"),
    path(
        "authorizations/<int:authorization_id>/revoke/",
        consent.authorization_revoke_view,
        name="authorization-revoke",
    ),
    path(
        "authorizations/<int:authorization_id>/sign/",
        consent.authorization_sign_view,
        name="authorization-sign",
    ),
    path("access-log/", consent.access_log, name="access-log"),
    path("notices/", consent.notices, name="notices"),
    path("notices/<int:notification_id>/read/", consent.notice_mark_read, name="notice-read"),
]
