"""The kit every app's API is built with — no endpoint lives here:

- ``schema``: the schema generator, and ``error_responses`` for each operation's errors;
- ``base``: the base views (``PaginatedAPIView``);
- ``fields``: region codes, money and rates, defined once;
- ``exports``: CSV and XLSX downloads.
"""
