"""The blind indexes of credit records (hub.crypto.blind_index): what the hub looks records up
by while their category and source id stay encrypted.

A record's source id is the platform's own key and often holds the enterprise's USCC
(``dishonest-91410100…-3``), and its category says what kind of record it is: a row showing
either would tell a reader of the database that an enterprise is listed as dishonest without
decrypting anything. So both are stored encrypted, and found through keyed hashes:

- ``source_key`` of (category, source id): one row per record of a connector, however often it
  is served (the unique constraint of the table);
- ``category_key`` of (enterprise, category): an enterprise's records of a category (the
  profile's and the eligibility rules' reads). Bound to the enterprise, so the hash of
  ``dishonest`` differs from one enterprise to the next and counting equal values across the
  table tells nothing.
"""

from __future__ import annotations

from hub.crypto import blind_index

SOURCE_INDEX = "credit_record.source"
CATEGORY_INDEX = "credit_record.category"
FINGERPRINT_INDEX = "credit_record.fingerprint"


def source_key(category: str, source_id: str) -> str:
    return blind_index(f"{category}\x00{source_id}", purpose=SOURCE_INDEX)


def category_key(enterprise_id: int, category: str) -> str:
    return blind_index(f"{enterprise_id}\x00{category}", purpose=CATEGORY_INDEX)


def category_keys(enterprise_id: int, categories) -> dict[str, str]:
    """category_key → category, for the categories asked about."""
    return {category_key(enterprise_id, category): category for category in categories}
