"""The whitelist import's fast path on PostgreSQL: one SQL condition that recognizes the rows
:func:`whitelist.parsers.check_row` would accept unchanged, and the casts that give the
values it would give, so that a million well-formed rows are checked inside the database
instead of one by one in Python.

The condition is deliberately narrow: a row passes only in the canonical form (an upper-case
code, no surrounding white space, an amount like ``500000.00``, an ISO date). Every other row,
good or bad, goes to ``check_row``, which stays the one definition of what is valid and the
only author of error messages. A test holds the two to that contract on generated rows.

All constants come from the Python definitions (the USCC alphabet and weights, the
registration authorities, the provinces, the length limits), so nothing is written twice.
"""

from __future__ import annotations

import sys
from functools import cache

from hub.identifiers import ORG_CODE_WEIGHTS, PROVINCES, USCC_ALPHABET, USCC_AUTHORITIES, USCC_WEIGHTS
from whitelist.parsers import MAX_AMOUNT, NAME_MAX, REASON_MAX

_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@cache
def whitespace() -> str:
    """Every character Python's str.strip() removes: a value with one at either end is not
    canonical. Computed on first use (it scans all of Unicode)."""
    return "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


def _byte_values(alphabet: str, value_of) -> str:
    """An int[] literal indexed by byte (0–255): a character's value, NULL for any byte
    outside ``alphabet``, so that one bad character turns a whole weighted sum NULL."""
    values = ["NULL"] * 256
    for char in alphabet:
        values[ord(char)] = str(value_of(char))
    return "'[0:255]={" + ",".join(values) + "}'::int[]"


def _codes(alphabet: str) -> str:
    """An int[] literal of the characters' byte values, indexed from 0."""
    return f"'[0:{len(alphabet) - 1}]={{" + ",".join(str(ord(char)) for char in alphabet) + "}'::int[]"


@cache
def uscc_condition(code: str = "code", octets: str = "octets") -> str:
    """True for a valid USCC. ``octets`` is the code as bytea (``convert_to(code, 'UTF8')``):
    ``get_byte`` reads a byte in constant time, where ``substr`` on text walks characters."""
    uscc_values = _byte_values(USCC_ALPHABET, USCC_ALPHABET.index)
    base36_values = _byte_values(_BASE36, _BASE36.index)
    digits = _byte_values("0123456789", lambda char: 0)
    uscc_sum = " + ".join(
        f"({uscc_values})[get_byte({octets}, {index})] * {weight}" for index, weight in enumerate(USCC_WEIGHTS)
    )
    org_sum = " + ".join(
        f"({base36_values})[get_byte({octets}, {8 + index})] * {weight}"
        for index, weight in enumerate(ORG_CODE_WEIGHTS)
    )
    region_digits = " + ".join(f"({digits})[get_byte({octets}, {index})]" for index in range(2, 8))
    pairs = ",".join(sorted(authority + kind for authority, kinds in USCC_AUTHORITIES.items() for kind in kinds))
    provinces = ",".join(sorted(PROVINCES))
    return f"""(
        octet_length({octets}) = 18
        AND substr({code}, 1, 2) = ANY('{{{pairs}}}'::text[])
        AND substr({code}, 3, 2) = ANY('{{{provinces}}}'::text[])
        AND ({region_digits}) = 0
        AND get_byte({octets}, 16) = ({_codes("0123456789X")})[(11 - ({org_sum}) %% 11) %% 11]
        AND get_byte({octets}, 17) = ({_codes(USCC_ALPHABET)})[(31 - ({uscc_sum}) %% 31) %% 31]
    )"""


# An ISO date that exists in every year (29 February goes the slow way), from year 1000.
_ISO_DATE = (
    "^[1-9][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)$"
)
_AMOUNT_INTEGER_DIGITS = len(str(int(MAX_AMOUNT)))
_AMOUNT = rf"^[1-9][0-9]{{0,{_AMOUNT_INTEGER_DIGITS - 1}}}(?:\.[0-9]{{1,2}})?$"


def row_condition(columns: dict[str, str], *, octets: str = "octets") -> str:
    """True for a row already in canonical form and valid. ``columns`` maps the whitelist
    columns to the SQL expressions holding their text (NULL for an absent column); the
    parameters ``%(whitespace)s`` and ``%(today)s`` must be bound (see :func:`parameters`).
    CASE fixes the order where a cast must only see text that the pattern admitted."""
    uscc, name = columns["uscc"], columns["name"]
    reason = columns.get("reason", "NULL")
    amount = columns.get("recommended_amount", "NULL")
    valid_until = columns.get("valid_until", "NULL")
    return f"""(
        {uscc_condition(uscc, octets)}
        AND {name} <> '' AND length({name}) <= {NAME_MAX} AND btrim({name}, %(whitespace)s) = {name}
        AND ({reason} IS NULL OR (length({reason}) <= {REASON_MAX} AND btrim({reason}, %(whitespace)s) = {reason}))
        AND ({amount} IS NULL OR {amount} = '' OR {amount} ~ '{_AMOUNT}')
        AND ({valid_until} IS NULL OR {valid_until} = ''
             OR CASE WHEN {valid_until} ~ '{_ISO_DATE}' THEN {valid_until}::date >= %(today)s::date ELSE false END)
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
