"""Outbound webhooks after the Standard Webhooks specification
(https://www.standardwebhooks.com/): signing, the event catalogue, the pages and the API. The
tables are in hub.models.webhooks, the writes in hub.services.events (the outbox) and
hub.services.webhooks, the reads in hub.selectors.webhooks."""
