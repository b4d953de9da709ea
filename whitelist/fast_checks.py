"""The whitelist import's fast path on PostgreSQL: one SQL condition that recognizes the rows
:func:`whitelist.parsers.check_row` would accept unchanged, and the casts that give the
values it would give, so that a million well-formed rows are checked inside the database
instead of one by one in Python.

The condition is deliberately narrow: a row passes only in the canonical form (an upper-case
code, no surrounding white space, an amount like ``500000.00``, an ISO date). Every other row,
good or bad, goes to ``check_row``, which stays the one definition of what is valid and the
only author of error messages. A test holds the two to that contract on generated rows.

It is written for speed, because it runs a million times per import: a character's value is
a byte looked up in a constant ``bytea`` (``get_byte`` is constant time, where an ``int[]``
with NULLs is walked to its index), and shapes are checked with ``translate`` and string
functions rather than regular expressions (PostgreSQL's regex engine costs about a
microsecond and a half per match). bench/whitelist_import.py measures it.

All constants come from the Python definitions (the USCC alphabet and weights, the
registration authorities, the provinces, the length limits), so nothing is written twice.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from functools import cache

from hub.identifiers import (
    NATIONAL_REGISTRATION,
    ORG_CODE_WEIGHTS,
    PROVINCES,
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    USCC_WEIGHTS,
)
from whitelist.parsers import MAX_AMOUNT, NAME_MAX, REASON_MAX

_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NOT_IN_ALPHABET = 255
_PADDING = "~" * 18  # outside every alphabet: a short code reads as bad characters, never past its end
_DIGITS = "0123456789"


@cache
def whitespace() -> str:
    """Every character Python's str.strip() removes: a value with one at either end is not
    canonical. Computed on first use (it scans all of Unicode)."""
    return "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


def _bytea(values) -> str:
    return "'\\x" + bytes(values).hex() + "'::bytea"


def _value_table(alphabet: str) -> str:
    """A 256-byte table: a character's value at its byte, 255 for any byte outside ``alphabet``."""
    values = [_NOT_IN_ALPHABET] * 256
    for value, char in enumerate(alphabet):
        values[ord(char)] = value
    return _bytea(values)


def staged_rows(table: str, columns: dict[str, str]) -> str:
    """The FROM item :func:`row_condition` reads: ``table`` with the code padded to bytes
    (``octets``), the USCC value of each of its 18 characters (``u0``…``u17``) and the
    base-36 value of the organization code's first eight (``b8``…``b15``), each computed once."""
    octets = f"convert_to({columns['uscc']} || '{_PADDING}', 'UTF8')"
    uscc_table, base36_table = _value_table(USCC_ALPHABET), _value_table(_BASE36)
    uscc_values = ", ".join(f"get_byte({uscc_table}, get_byte(octets, {i})) AS u{i}" for i in range(18))
    base36_values = ", ".join(f"get_byte({base36_table}, get_byte(octets, {i})) AS b{i}" for i in range(8, 16))
    return f"""(SELECT *, {uscc_values}, {base36_values}
        FROM (SELECT *, {octets} AS octets FROM {table} OFFSET 0) padded OFFSET 0)"""


@cache
def uscc_condition(code: str) -> str:
    """True for a valid USCC in ``code``, read through the columns of :func:`staged_rows`."""
    highest = len(USCC_ALPHABET) - 1
    every_character = ", ".join(f"u{i}" for i in range(18))
    region_characters = ", ".join(f"u{i}" for i in range(2, 8))
    uscc_sum = " + ".join(f"u{index} * {weight}" for index, weight in enumerate(USCC_WEIGHTS))
    org_sum = " + ".join(f"b{8 + index} * {weight}" for index, weight in enumerate(ORG_CODE_WEIGHTS))
    pairs = ",".join(sorted(authority + kind for authority, kinds in USCC_AUTHORITIES.items() for kind in kinds))
    provinces = ",".join(sorted(PROVINCES))
    org_check_characters = _bytea(b"0123456789X")
    return f"""(
        octet_length(octets) = {18 + len(_PADDING)}
        AND GREATEST({every_character}) <= {highest}
        AND GREATEST({region_characters}) <= 9
        AND substr({code}, 1, 2) = ANY('{{{pairs}}}'::text[])
        AND (substr({code}, 3, 2) = ANY('{{{provinces}}}'::text[]) OR substr({code}, 3, 6) = '{NATIONAL_REGISTRATION}')
        AND get_byte(octets, 16) = get_byte({org_check_characters}, (11 - ({org_sum}) %% 11) %% 11)
        AND u17 = (31 - ({uscc_sum}) %% 31) %% 31
    )"""


@cache
def _month_days() -> str:
    """Every MM-DD that exists in every year (29 February goes the slow way)."""
    day, days = date(2001, 1, 1), []
    while day.year == 2001:
        days.append(day.strftime("%m-%d"))
        day += timedelta(days=1)
    return "'{" + ",".join(days) + "}'::text[]"


def _canonical_amount(amount: str) -> str:
    """``[1-9][0-9]{0,11}(\\.[0-9]{1,2})?``: what remains without the digits is nothing or
    one point, with one or two digits after it and at most twelve before."""
    integer_digits = len(str(int(MAX_AMOUNT)))
    return f"""(ascii({amount}) BETWEEN 49 AND 57 AND CASE translate({amount}, '{_DIGITS}', '')
        WHEN '' THEN octet_length({amount}) <= {integer_digits}
        WHEN '.' THEN strpos({amount}, '.')
            BETWEEN octet_length({amount}) - 2 AND least(octet_length({amount}) - 1, {integer_digits + 1})
        ELSE false END)"""


def _canonical_date_from(valid_until: str) -> str:
    """YYYY-MM-DD from year 1000, a month and day every year has, not before ``%(today)s``
    (ISO dates compare as byte strings)."""
    return f"""(octet_length({valid_until}) = 10
        AND translate({valid_until}, '{_DIGITS}', '') = '--'
        AND substr({valid_until}, 5, 1) = '-' AND substr({valid_until}, 8, 1) = '-'
        AND ascii({valid_until}) <> 48
        AND substr({valid_until}, 6) = ANY({_month_days()})
        AND {valid_until} COLLATE "C" >= %(today)s)"""


def row_condition(columns: dict[str, str]) -> str:
    """True for a row already in canonical form and valid, read from :func:`staged_rows`.
    ``columns`` maps the whitelist columns to the SQL expressions holding their text (NULL
    for an absent column); the parameters ``%(whitespace)s`` and ``%(today)s`` must be
    bound (see :func:`parameters`)."""
    uscc, name = columns["uscc"], columns["name"]
    reason = columns.get("reason", "NULL")
    amount = columns.get("recommended_amount", "NULL")
    valid_until = columns.get("valid_until", "NULL")
    return f"""(
        {uscc_condition(uscc)}
        AND {name} <> '' AND length({name}) <= {NAME_MAX} AND btrim({name}, %(whitespace)s) = {name}
        AND ({reason} IS NULL OR (length({reason}) <= {REASON_MAX} AND btrim({reason}, %(whitespace)s) = {reason}))
        AND ({amount} IS NULL OR {amount} = '' OR {_canonical_amount(amount)})
        AND ({valid_until} IS NULL OR {valid_until} = '' OR {_canonical_date_from(valid_until)})
    )"""


def clean_values(columns: dict[str, str]) -> str:
    """The select list giving what check_row gives for a row that met :func:`row_condition`:
    uscc, name, reason, recommended_amount, valid_until."""
    reason = columns.get("reason", "NULL")
    amount = columns.get("recommended_amount", "NULL")
    valid_until = columns.get("valid_until", "NULL")
    return f"""{columns["uscc"]}::varchar(18) AS uscc, {columns["name"]}::varchar(200) AS name,
        COALESCE({reason}, '')::varchar(500) AS reason,
        CASE WHEN {amount} <> '' THEN {amount}::numeric(14, 2) END AS recommended_amount,
        CASE WHEN {valid_until} <> '' THEN {valid_until}::date END AS valid_until"""


def parameters(today) -> dict:
    return {"whitespace": whitespace(), "today": today.isoformat()}
