"""The hub's own pages: ``accounts`` (registration, home), ``consent`` (authorizations,
access log, notices), ``health`` (alive and ready, error pages). Verification's pages are in
hub/verification."""
