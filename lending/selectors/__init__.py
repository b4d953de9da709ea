"""Reads of lending, one module per aggregate, scoped to the caller and taking filters, so pages
and the API list the same way."""
