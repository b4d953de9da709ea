from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from hub import apis
from hub.views import health

api_v1 = [
    path("auth/token/", apis.TokenApi.as_view(), name="api-token"),
    path("auth/token/revoke/", apis.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("enterprises/", apis.EnterpriseCreateApi.as_view(), name="api-enterprises"),
    path("enterprises/<str:uscc>/", apis.EnterpriseDetailApi.as_view(), name="api-enterprise"),
    path("organizations/", apis.OrganizationListCreateApi.as_view(), name="api-organizations"),
    path("organizations/<int:organization_id>/", apis.OrganizationDetailApi.as_view(), name="api-organization"),
    path("organizations/<int:organization_id>/members/", apis.MemberListCreateApi.as_view(), name="api-members"),
    path("authorizations/", apis.AuthorizationListCreateApi.as_view(), name="api-authorizations"),
    path("authorizations/<int:authorization_id>/", apis.AuthorizationDetailApi.as_view(), name="api-authorization"),
    path(
        "authorizations/<int:authorization_id>/revoke/",
        apis.AuthorizationRevokeApi.as_view(),
        name="api-authorization-revoke",
    ),
    path(
        "authorizations/<int:authorization_id>/sign/",
        apis.AuthorizationSignApi.as_view(),
        name="api-authorization-sign",
    ),
    path("hub/keys/", apis.HubKeysApi.as_view(), name="api-hub-keys"),
    path("enterprises/<str:uscc>/access-log/", apis.AccessLogApi.as_view(), name="api-access-log"),
    path("notifications/", apis.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/<int:notification_id>/read/", apis.NotificationReadApi.as_view(), name="api-notification-read"),
    path("", include("hub.verification.api_urls")),
    # The project's URL table is the one place that names every app.
    path("", include("connectors.urls")),
    path("", include("lending.urls")),
    path("", include("whitelist.urls")),
]

urlpatterns = [
    path("", include("hub.page_urls")),
    path("", include("hub.verification.page_urls")),
    path("", include("connectors.page_urls")),
    path("", include("whitelist.page_urls")),
    path("", include("lending.page_urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="hub/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler400 = "hub.views.health.bad_request"
handler403 = "hub.views.health.permission_denied"
handler404 = "hub.views.health.page_not_found"
handler500 = "hub.views.health.server_error"
