"""Country, language and currency codes from maintained libraries, never a hand-typed list.

ISO 3166-1, ISO 639-1 and ISO 4217 come from pycountry. Gleditsch-Ward codes come from the data
table that ships with country_converter (read directly: its converter class does not
start under pandas 3, and the table is all we need).
"""

from __future__ import annotations

import csv
import functools
from importlib import resources


@functools.cache
def iso3_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.countries)


@functools.cache
def names() -> dict[str, str]:
    """ISO3 -> short name (pycountry's common name where it has one)."""
    import pycountry

    return {c.alpha_3: getattr(c, "common_name", c.name) for c in pycountry.countries}


@functools.cache
def gw_codes() -> dict[str, int]:
    """ISO3 -> Gleditsch-Ward state code, where the system has one."""
    table = resources.files("country_converter").joinpath("country_data.tsv")
    out: dict[str, int] = {}
    with table.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            code = (row.get("GWcode") or "").strip()
            if code.isdigit():
                out[row["ISO3"]] = int(code)
    return out


@functools.cache
def iso639_1_codes() -> frozenset[str]:
    import pycountry

    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@functools.cache
def iso4217_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)
