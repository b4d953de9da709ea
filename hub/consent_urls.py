"""Pages of the enterprise's consent: authorizations, access log, notices."""

from django.urls import path

from hub import consent_views

urlpatterns = [
    path("authorizations/", consent_views.authorizations, name="authorizations"),
    path(
        "authorizations/<int:authorization_id>/revoke/",
        consent_views.authorization_revoke_view,
        name="authorization-revoke",
    ),
    path(
        "authorizations/<int:authorization_id>/sign/",
        consent_views.authorization_sign_view,
        name="authorization-sign",
    ),
    path("access-log/", consent_views.access_log, name="access-log"),
    path("notices/", consent_views.notices, name="notices"),
    path("notices/<int:notification_id>/read/", consent_views.notice_mark_read, name="notice-read"),
]
