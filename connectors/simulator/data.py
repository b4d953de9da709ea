"""Credit records the reference platform simulator serves (CONNECTOR_PROTOCOL.md, "Record data
by category").

Every enterprise the simulator is asked about gets a consistent, realistic credit history made
up on the spot: the same USCC and seed always give the same records, so tests and benchmarks
can compare two runs, and two simulators with the same seed agree. Nothing here is real data.

The history is drawn in two steps. A *profile* (name, size, industry, location, whether the
enterprise is in trouble) comes from ``(seed, uscc)`` alone; each category then draws from
``(seed, uscc, category)`` on top of that profile. So the categories agree with each other (a
troubled enterprise has arrears, penalties and a low rating) while a query for one category
gives the same records as the same category inside a query for all of them.

Dates are relative to a fixed "today", ``ANCHOR_DATE``, never the real clock, so the output
does not change from one day to the next.
"""

from __future__ import annotations

import random

from connectors.categories import RECORD_FIELDS
from connectors.simulator.periodic_records import PERIODIC_GENERATORS
from connectors.simulator.public_records import PUBLIC_GENERATORS
from connectors.simulator.subjects import profile_of
from hub.categories import ALL_CATEGORIES


def records_for(uscc: str, category: str, *, seed: str = "") -> list[dict]:
    """The protocol records the simulator holds on ``uscc`` in ``category``, oldest first.

    ``uscc`` must already be valid (the server checks it); ``seed`` lets two simulators tell
    different stories about the same enterprise. Raises ``ValueError`` for an unknown category.
    """
    if category not in RECORD_FIELDS:
        raise ValueError(f"unknown category {category!r}")
    profile = profile_of(uscc, seed)
    rng = random.Random(f"{seed}|{uscc}|{category}")
    records = [
        {
            "source_id": f"{category}-{uscc}-{key}",
            "category": category,
            "occurred_on": occurred_on.isoformat(),
            "data": data,
        }
        for key, occurred_on, data in GENERATORS[category](profile, rng)
    ]
    return sorted(records, key=lambda record: (record["occurred_on"], record["source_id"]))


GENERATORS = {**PUBLIC_GENERATORS, **PERIODIC_GENERATORS}
assert set(GENERATORS) == set(ALL_CATEGORIES), "every category needs a generator"
