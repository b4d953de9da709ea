from django.urls import path

from lending import apis

urlpatterns = [
    path("products/", apis.ProductListCreateApi.as_view(), name="api-products"),
    path("products/<int:product_id>/", apis.ProductDetailApi.as_view(), name="api-product"),
    path("products/<int:product_id>/publish/", apis.ProductPublishApi.as_view(), name="api-product-publish"),
    path("products/<int:product_id>/withdraw/", apis.ProductWithdrawApi.as_view(), name="api-product-withdraw"),
    path("recommendations/", apis.RecommendationsApi.as_view(), name="api-recommendations"),
    path("applications/", apis.ApplicationListCreateApi.as_view(), name="api-applications"),
    path("applications/<int:application_id>/", apis.ApplicationDetailApi.as_view(), name="api-application"),
    *[
        path(f"applications/<int:application_id>/{action}/", api.as_view(), name=f"api-application-{action}")
        for action, api in apis.APPLICATION_ACTION_APIS.items()
    ],
    path("matches/", apis.MatchListApi.as_view(), name="api-matches"),
    path("matches/<int:match_id>/", apis.MatchDetailApi.as_view(), name="api-match"),
    path("matches/<int:match_id>/progress/", apis.MatchProgressApi.as_view(), name="api-match-progress"),
    path("matchmaking-events/", apis.EventListCreateApi.as_view(), name="api-events"),
    path("matchmaking-events/<int:event_id>/", apis.EventDetailApi.as_view(), name="api-event"),
    path("matchmaking-events/<int:event_id>/intents/", apis.EventIntentApi.as_view(), name="api-event-intents"),
    path("stats/lending/", apis.LendingStatsApi.as_view(), name="api-stats-lending"),
    path("stats/lending/export/", apis.LendingStatsExportApi.as_view(), name="api-stats-lending-export"),
    path("stats/matching/", apis.MatchingStatsApi.as_view(), name="api-stats-matching"),
    path("stats/matching/export/", apis.MatchingStatsExportApi.as_view(), name="api-stats-matching-export"),
    path("policies/", apis.PolicyCreateApi.as_view(), name="api-policies"),
]
