from django.urls import path

from lending.apis import applications, loans, matches, policies, products, stats

urlpatterns = [
    path("products/", products.ProductListCreateApi.as_view(), name="api-products"),
    path("products/<int:product_id>/", products.ProductDetailApi.as_view(), name="api-product"),
    path("products/<int:product_id>/publish/", products.ProductPublishApi.as_view(), name="api-product-publish"),
    path("products/<int:product_id>/withdraw/", products.ProductWithdrawApi.as_view(), name="api-product-withdraw"),
    path("recommendations/", products.RecommendationsApi.as_view(), name="api-recommendations"),
    path("applications/", applications.ApplicationListCreateApi.as_view(), name="api-applications"),
    path("applications/<int:application_id>/", applications.ApplicationDetailApi.as_view(), name="api-application"),
    *[
        path(f"applications/<int:application_id>/{action}/", api.as_view(), name=f"api-application-{action}")
        for action, api in applications.APPLICATION_ACTION_APIS.items()
    ],
    path("loans/", loans.LoanListApi.as_view(), name="api-loans"),
    path("loans/<int:loan_id>/", loans.LoanDetailApi.as_view(), name="api-loan"),
    path("loan-reports/", loans.LoanReportBatchApi.as_view(), name="api-loan-reports"),
    path("loan-reports/upload/", loans.LoanReportUploadApi.as_view(), name="api-loan-reports-upload"),
    path("matches/", matches.MatchListApi.as_view(), name="api-matches"),
    path("matches/<int:match_id>/", matches.MatchDetailApi.as_view(), name="api-match"),
    path("matches/<int:match_id>/progress/", matches.MatchProgressApi.as_view(), name="api-match-progress"),
    path("matchmaking-events/", matches.EventListCreateApi.as_view(), name="api-events"),
    path("matchmaking-events/<int:event_id>/", matches.EventDetailApi.as_view(), name="api-event"),
    path("matchmaking-events/<int:event_id>/intents/", matches.EventIntentApi.as_view(), name="api-event-intents"),
    path("stats/lending/", stats.LendingStatsApi.as_view(), name="api-stats-lending"),
    path("stats/lending/export/", stats.LendingStatsExportApi.as_view(), name="api-stats-lending-export"),
    path("stats/loans/", stats.LoanStatsApi.as_view(), name="api-stats-loans"),
    path("stats/loans/export/", stats.LoanStatsExportApi.as_view(), name="api-stats-loans-export"),
    path("stats/matching/", stats.MatchingStatsApi.as_view(), name="api-stats-matching"),
    path("stats/matching/export/", stats.MatchingStatsExportApi.as_view(), name="api-stats-matching-export"),
    path("policies/", policies.PolicyCreateApi.as_view(), name="api-policies"),
]
