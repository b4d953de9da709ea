"""Writes of connectors: registering and approving connectors, pulls, records, profiles read (a use
of consent), the identity check, credit repair notices."""
