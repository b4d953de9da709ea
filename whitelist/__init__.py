"""Whitelists (白名单): lists of recommended enterprises, imported from CSV/XLSX in the
background, published by maker-checker, pushed to banks as matches.

``models/``, ``services/`` (imports, publication), ``selectors/``, ``parsers`` and ``staging``
and ``fast_checks`` (the import's reading and checking), ``audit``; endpoints ``apis`` and
``views``. It imports hub, connectors and lending."""
