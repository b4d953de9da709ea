from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from hub.apis import accounts, consent, index, notifications
from hub.forms import LoginForm
from hub.views import health

api_v1 = [
    path("", index.ApiIndexApi.as_view(), name="api-index"),
    path("auth/token/", accounts.TokenApi.as_view(), name="api-token"),
    path("auth/token/revoke/", accounts.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", accounts.MeApi.as_view(), name="api-me"),
    path("enterprises/", accounts.EnterpriseCreateApi.as_view(), name="api-enterprises"),
    path("enterprises/<str:uscc>/", accounts.EnterpriseDetailApi.as_view(), name="api-enterprise"),
    path("organizations/", accounts.OrganizationListCreateApi.as_view(), name="api-organizations"),
    path("organizations/<int:organization_id>/", accounts.OrganizationDetailApi.as_view(), name="api-organization"),
    path("organizations/<int:organization_id>/members/", accounts.MemberListCreateApi.as_view(), name="api-members"),
    path("authorizations/", consent.AuthorizationListCreateApi.as_view(), name="api-authorizations"),
    path("authorizations/<int:authorization_id>/", consent.AuthorizationDetailApi.as_view(), name="api-authorization"),
    path(
        "authorizations/<int:authorization_id>/revoke/",
        consent.AuthorizationRevokeApi.as_view(),
        name="api-authorization-revoke",
    ),
    path(
        "authorizations/<int:authorization_id>/sign/",
        consent.AuthorizationSignApi.as_view(),
        name="api-authorization-sign",
    ),
    path("hub/keys/", consent.HubKeysApi.as_view(), name="api-hub-keys"),
    path("enterprises/<str:uscc>/access-log/", consent.AccessLogApi.as_view(), name="api-access-log"),
    path("notifications/", notifications.NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
    path("", include("hub.verification.api_urls")),
    path("", include("hub.webhooks.api_urls")),
    # The project's URL table is the one place that names every app.
    path("", include("connectors.urls")),
    path("", include("lending.urls")),
    path("", include("whitelist.urls")),
]

urlpatterns = [
    path("", include("hub.page_urls")),
    path("", include("hub.verification.page_urls")),
    path("", include("hub.webhooks.page_urls")),
    path("", include("connectors.page_urls")),
    path("", include("whitelist.page_urls")),
    path("", include("lending.page_urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="hub/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", health.favicon),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI without inline code (see its template), so the content security policy holds there too.
    # No Redoc page: its bundle writes inline styles, starts a worker from a blob and loads its logo
    # from the internet.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="hub/api_docs/swagger_ui.html"),
        name="api-docs",
    ),
]

handler400 = "hub.views.health.bad_request"
handler403 = "hub.views.health.permission_denied"
handler404 = "hub.views.health.page_not_found"
handler500 = "hub.views.health.server_error"
