"""Citing a release: `gsi_events.cite(version=None, format="apa"|"bibtex"|"cff")`.

Every citation names exactly one release: its version, its date, and the sha256 of its
datapackage.json (which records the sha256 of every file of the release, so the one hash
identifies all the data). The repository's CITATION.cff is the newest release's CFF,
written by `gsi-events release`.

Imports the standard library only.
"""

from __future__ import annotations

import json
import os
import re
from importlib.resources.abc import Traversable
from typing import Any

from gsi_events.errors import ArgumentError

FORMATS = ("apa", "bibtex", "cff")
CFF_HEADER = (
    "# Written by `gsi-events release` from the newest release's datapackage.json\n"
    "# (package metadata: schemas/datapackage.yaml). Do not edit by hand.\n"
)


def _authors(meta: dict[str, Any]) -> list[dict[str, Any]]:
    people = meta.get("contributors") or []
    creators = [p for p in people
                if {"creator", "author"} & set(p.get("roles") or [p.get("role", "")])]
    return creators or people


def _apa_name(p: dict[str, Any]) -> str:
    if p.get("familyName"):
        given = " ".join(f"{g[0]}." for g in str(p.get("givenName", "")).split() if g)
        return f"{p['familyName']}, {given}".rstrip(", ")
    return str(p.get("title", ""))


def _join_apa(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + ", & " + names[-1]


_BIBTEX_SPECIAL = re.compile(r"([\\&%$#_{}~^])")


def _bib(text: str) -> str:
    def esc(m: re.Match[str]) -> str:
        c = m.group(1)
        return {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}.get(c, "\\" + c)

    return _BIBTEX_SPECIAL.sub(esc, text)


def _q(value: Any) -> str:
    """A YAML scalar: JSON's double-quoted strings are valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def apa(meta: dict[str, Any], version: str, date: str, digest: str) -> str:
    names = _join_apa([_apa_name(p) for p in _authors(meta)])
    where = f" {meta['homepage']}" if meta.get("homepage") else ""
    end = "" if names.endswith(".") else "."
    return (f"{names}{end} ({date[:4]}). {meta.get('title', meta['name'])} (Version {version}) "
            f"[Data set]. Released {date}.{where} datapackage.json sha256:{digest}.")


def bibtex(meta: dict[str, Any], version: str, date: str, digest: str) -> str:
    key = re.sub(r"[^A-Za-z0-9]+", "_", f"{meta['name']}_v{version}")
    authors = " and ".join(
        f"{_bib(p['familyName'])}, {_bib(p.get('givenName', ''))}".rstrip(", ")
        if p.get("familyName") else "{" + _bib(str(p.get("title", ""))) + "}"
        for p in _authors(meta))
    fields = [
        ("author", authors),
        ("title", "{" + _bib(meta.get("title", meta["name"])) + "}"),
        ("year", date[:4]),
        ("version", version),
        ("howpublished", f"Data set, version {version}, released {date}"),
        ("note", f"datapackage.json sha256:{digest}"),
    ]
    if meta.get("homepage"):
        fields.append(("url", meta["homepage"]))
    body = ",\n".join(f"  {k:<12} = {{{v}}}" for k, v in fields)
    return f"@misc{{{key},\n{body}\n}}"


def cff(meta: dict[str, Any], version: str | None = None, date: str | None = None,
        digest: str | None = None) -> str:
    """CITATION.cff (CFF 1.2.0, type dataset) for one release; without a version, for the
    dataset before its first release."""
    lines = [CFF_HEADER.rstrip("\n"), "cff-version: 1.2.0"]
    if version:
        lines.append("message: " + _q(
            "If you use this dataset, please cite this release of it as below."))
    else:
        lines.append("message: " + _q(
            "No release is published yet. Cite a release: see `gsi-events cite`."))
    lines += ["type: dataset", "title: " + _q(meta.get("title", meta["name"]))]
    if meta.get("description"):
        lines.append("abstract: " + _q(meta["description"]))
    if version:
        lines.append("version: " + _q(version))
    if date:
        lines.append("date-released: " + _q(date))
    lines.append("authors:")
    for p in _authors(meta):
        if p.get("familyName"):
            lines.append("  - family-names: " + _q(p["familyName"]))
            if p.get("givenName"):
                lines.append("    given-names: " + _q(p["givenName"]))
        else:
            lines.append("  - name: " + _q(p.get("title", "")))
        if p.get("email"):
            lines.append("    email: " + _q(p["email"]))
    data_licenses = [x["name"] for x in meta.get("licenses", []) if x.get("name")]
    if data_licenses:
        lines.append("license: " + _q(data_licenses[0]))
    if meta.get("homepage"):
        lines.append("url: " + _q(meta["homepage"]))
    if meta.get("keywords"):
        lines.append("keywords:")
        lines += ["  - " + _q(k) for k in meta["keywords"]]
    if digest:
        lines += ["identifiers:", "  - type: other", "    value: " + _q(f"sha256:{digest}"),
                  "    description: " + _q(
                      f"sha256 of datapackage.json of release {version}, which records the "
                      "sha256 of every file of the release")]
    return "\n".join(lines) + "\n"


def cite(version: str | None = None, format: str = "apa", *,
         releases: str | os.PathLike[str] | Traversable | None = None) -> str:
    """The citation of exactly one release (the newest unless `version` is given), as
    APA text, a BibTeX entry, or CITATION.cff."""
    from gsi_events.loading import release_info

    if format not in FORMATS:
        raise ArgumentError(f"unknown citation format {format!r}; choose one of "
                         f"{', '.join(FORMATS)}")
    r = release_info(version, releases)
    date = r.date or ""
    if format == "cff":
        return cff(r.datapackage, r.version, date, r.datapackage_sha256)
    if format == "bibtex":
        return bibtex(r.datapackage, r.version, date, r.datapackage_sha256)
    return apa(r.datapackage, r.version, date, r.datapackage_sha256)
