"""Pages of whitelists (platforms and regulators) and of their imports."""

from django.urls import path, re_path

from whitelist import views

urlpatterns = [
    path("whitelists/", views.whitelists, name="whitelists"),
    re_path(r"^whitelists/template\.(?P<file_format>csv|xlsx)$", views.import_template, name="whitelist-template"),
    path("whitelists/<int:whitelist_id>/", views.whitelist_detail, name="whitelist"),
    path("whitelists/<int:whitelist_id>/publish/", views.whitelist_publish_view, name="whitelist-publish"),
    path("whitelists/<int:whitelist_id>/archive/", views.whitelist_archive_view, name="whitelist-archive"),
    path("whitelist-imports/<int:import_id>/", views.import_detail, name="whitelist-import"),
]
