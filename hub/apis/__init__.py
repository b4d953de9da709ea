"""The hub's own API, one module per aggregate: accounts, consent, notifications. Verification's
API is in hub/verification."""
