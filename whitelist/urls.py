from django.urls import path

from whitelist import apis

urlpatterns = [
    path("whitelists/", apis.WhitelistListCreateApi.as_view(), name="api-whitelists"),
    path("whitelists/<int:whitelist_id>/", apis.WhitelistDetailApi.as_view(), name="api-whitelist"),
    path(
        "whitelists/<int:whitelist_id>/imports/", apis.WhitelistImportCreateApi.as_view(), name="api-whitelist-imports"
    ),
    path("whitelists/<int:whitelist_id>/publish/", apis.WhitelistPublishApi.as_view(), name="api-whitelist-publish"),
    path("whitelists/<int:whitelist_id>/archive/", apis.WhitelistArchiveApi.as_view(), name="api-whitelist-archive"),
    path("whitelists/<int:whitelist_id>/diff/", apis.WhitelistDiffApi.as_view(), name="api-whitelist-diff"),
    path("whitelists/<int:whitelist_id>/entries/", apis.WhitelistEntriesApi.as_view(), name="api-whitelist-entries"),
    path("whitelists/<int:whitelist_id>/coverage/", apis.WhitelistCoverageApi.as_view(), name="api-whitelist-coverage"),
    path("whitelists/<int:whitelist_id>/overdue/", apis.WhitelistOverdueApi.as_view(), name="api-whitelist-overdue"),
    path("whitelist-imports/<int:import_id>/", apis.ImportDetailApi.as_view(), name="api-whitelist-import"),
    path(
        "whitelist-imports/<int:import_id>/errors.csv",
        apis.ImportErrorReportApi.as_view(),
        name="api-whitelist-import-errors",
    ),
    path("whitelist-memberships/", apis.MembershipsApi.as_view(), name="api-whitelist-memberships"),
]
