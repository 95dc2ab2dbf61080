"""Country, language and currency codes from maintained libraries, never a hand-typed list.

ISO 3166-1, ISO 639-1 and ISO 4217 come from pycountry. Gleditsch-Ward codes come from the data
table that ships with country_converter (read directly: its converter class does not
start under pandas 3, and the table is all we need).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


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
    out: dict[str, int] = {}
    with _country_data().open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            code = (row.get("GWcode") or "").strip()
            if code.isdigit():
                out[row["ISO3"]] = int(code)
    return out


def _country_data() -> Traversable:
    """country_converter's table, found without importing the package: its __init__
    imports pandas (0.3 s), which nothing else here needs."""
    spec = importlib.util.find_spec("country_converter")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "country_data.tsv"
        if path.is_file():
            return path
    return resources.files("country_converter").joinpath("country_data.tsv")


@functools.cache
def iso639_1_codes() -> frozenset[str]:
    import pycountry

    db = pycountry.languages
    with contextlib.suppress(AttributeError, KeyError, OSError, TypeError, ValueError):
        if not db._is_loaded:  # its file as pycountry reads it (`Database._load`), without
            # making an object and index entries of each of its 8,000 languages (0.1 s)
            with open(db.filename, encoding="utf-8") as f:
                return frozenset(e["alpha_2"] for e in json.load(f)[db.root_key]
                                 if "alpha_2" in e)
    return frozenset(lang.alpha_2 for lang in db if hasattr(lang, "alpha_2"))


@functools.cache
def iso4217_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


@dataclass(frozen=True)
class CodeList:
    """An external code list a field's values must come from (`codelist` in schemas/)."""

    codes: Callable[[], frozenset[str]]
    words: str  # what a value must be, as messages say it


# The code lists schemas/ may name: the one registry, for the checks and their messages.
CODELISTS: dict[str, CodeList] = {
    "iso3166_alpha3": CodeList(iso3_codes, "an ISO 3166-1 alpha-3 country code (e.g. CHN, SRB)"),
    "iso3166_alpha3_list": CodeList(
        iso3_codes, "a list of ISO 3166-1 alpha-3 country codes separated by ';'"),
    "iso639_1": CodeList(iso639_1_codes, "an ISO 639-1 two-letter language code (e.g. en, zh)"),
    "iso4217": CodeList(iso4217_codes, "an ISO 4217 currency code (e.g. USD, CNY)"),
}
