"""Pages of lending, one module per aggregate: ``products`` (marketplace, applying, open
demands), ``applications`` (lists, workbench, one application), ``stats`` (the regulators'
dashboard), ``matches`` (matchmaking events and follow-up); ``common`` holds their labels."""
