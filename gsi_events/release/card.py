"""A release's data card: one self-contained HTML page (and the same figures as PNG) that
says what the release covers and what it does not, with counts by action, status, year
and counterpart country, pledges against linked deliveries, a timeline, evidence
strength, agreement figures, the citation and the changelog.

Read entirely from the published release (tables and datapackage.json), so a card can be
made for any release at any time. Plots by matplotlib.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import polars as pl

from gsi_events.citation import cite
from gsi_events.loading import Release, release_info
from gsi_events.queries import pledges
from gsi_events.views import changelog, event_countries

c = pl.col
COLOUR = "#2f5d8a"


def _figure(kind: str, labels: list[str], values: list[int], title: str,
            xlabel: str = "events") -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(2.4, 0.28 * len(labels) + 1.2) if kind == "barh" else 3.2
    fig, ax = plt.subplots(figsize=(7.5, height), dpi=110)
    if kind == "barh":
        ax.barh(labels[::-1], values[::-1], color=COLOUR)
        ax.set_xlabel(xlabel)
    else:
        ax.bar(labels, values, color=COLOUR, width=0.8)
        ax.set_ylabel(xlabel)
        ax.tick_params(axis="x", labelrotation=90 if len(labels) > 12 else 0, labelsize=7)
    ax.set_title(title, fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()


def _counts(df: pl.DataFrame, col: str, top: int | None = None) -> tuple[list[str], list[int]]:
    t = df.group_by(col).len().sort(["len", col], descending=[True, False])
    if top:
        t = t.head(top)
    return [str(x) for x in t[col].to_list()], t["len"].to_list()


def figures(rel: Release) -> dict[str, tuple[str, bytes]]:
    """name -> (caption, PNG bytes)."""

    events = rel.load("events")
    p = rel.load("participants")
    dated = events.filter(c("date_start").is_not_null())
    months = (dated.with_columns(c("date_start").dt.strftime("%Y-%m").alias("month"))
              .group_by("month").len().sort("month"))
    years = (dated.filter(c("date_start").dt.year() == c("date_end").dt.year())
             .with_columns(c("date_start").dt.year().cast(pl.String).alias("year")))
    countries = event_countries(tables={"participants": p}).filter(c("country") != "CHN")
    per_country = countries.unique(["event_id", "country"])
    out: dict[str, tuple[str, bytes]] = {}
    for name, kind, (labels, values), title in (
        ("actions", "barh", _counts(events, "action"), "Events by action"),
        ("status", "barh", _counts(events, "status"), "Events by status"),
        ("years", "bar", _counts(years, "year"), "Events by year (those dated within one year)"),
        ("countries", "barh", _counts(per_country, "country", top=30),
         "Events by counterpart country (top 30; group members included)"),
        ("evidence", "barh", _counts(events, "evidence_kind") if "evidence_kind" in events.columns
         else (["quoted"], [events.height]), "Events by evidence kind"),
        ("timeline", "bar", (months["month"].to_list(), months["len"].to_list()),
         "Timeline: events per month of their start date"),
    ):
        if labels:
            sorted_years = sorted(zip(labels, values, strict=True)) if name == "years" else None
            if sorted_years:
                labels, values = [a for a, _ in sorted_years], [b for _, b in sorted_years]
            out[name] = (title, _figure(kind, labels, values, title))
    return out


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(x)}</th>" for x in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if r.get(x) is None else str(r[x]))}"
                                    "</td>" for x in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def coverage(rel: Release) -> dict[str, Any]:
    """The figures a reader needs to judge the release's coverage."""

    events, p = rel.load("events"), rel.load("participants")
    sources = rel.load("sources")
    countries = event_countries(tables={"participants": p}).filter(c("country") != "CHN")
    years = {str(y): n for y, n in events.filter(c("date_start").is_not_null())
             .filter(c("date_start").dt.year() == c("date_end").dt.year())
             .group_by(c("date_start").dt.year()).len().rows()}
    links = rel.load("event_links")
    return {
        "events": events.height, "sources": sources.height,
        "countries": countries["country"].n_unique(),
        "multi_source_events": events.filter(c("n_sources") >= 2).height,
        "fulfils_links": links.filter(c("relation") == "fulfils").height,
        "by_year": dict(sorted(years.items())),
        "first": str(events["date_start"].min()), "last": str(events["date_end"].max()),
    }


def card_html(rel: Release, figs: dict[str, tuple[str, bytes]]) -> str:

    cov = coverage(rel)
    dp = rel.datapackage
    agreement = (dp.get("quality") or {}).get("intercoder_agreement") or {}
    pl_rows = pledges(rel.version).select(
        "pledge_event_id", "action", "count_pledged", "count_unit", "deliveries",
        "count_delivered").to_dicts()
    years = ", ".join(f"{y}: {n}" for y, n in cov["by_year"].items())
    imgs = "".join(
        f'<figure><img alt="{html.escape(cap)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"><figcaption>{html.escape(cap)}</figcaption>'
        "</figure>" for cap, png in figs.values())
    agree_rows = [{"field": f.get("field"), "n": f.get("n"), "raw agreement": f.get("raw"),
                   "Krippendorff's alpha": f.get("alpha")}
                  for f in agreement.get("fields") or []]
    matched, main = agreement.get("matched"), agreement.get("reports_a")
    rate = f"{matched / main:.2f}" if matched is not None and main else "not measured"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>gsi_events {html.escape(rel.version)}: data card</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1d2733; line-height: 1.45; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.2rem; margin-top: 2rem; }}
figure {{ margin: 1rem 0; }} img {{ max-width: 100%; }}
figcaption {{ font-size: .85rem; color: #555; }}
table {{ border-collapse: collapse; font-size: .85rem; }}
td, th {{ border: 1px solid #ccd; padding: .2rem .5rem; text-align: left; }}
pre {{ white-space: pre-wrap; background: #f4f6f8; padding: .8rem; font-size: .8rem; }}
</style></head><body>
<h1>gsi_events {html.escape(rel.version)}: data card</h1>
<p>Released {html.escape(rel.date or "")}. {html.escape(dp.get("description", ""))}</p>
<h2>What this release covers</h2>
<ul>
<li>{cov["events"]} events from {cov["sources"]} sources, dated {cov["first"]} to
{cov["last"]}; events per year (those dated within one year): {html.escape(years)}.</li>
<li>{cov["countries"]} counterpart countries (ISO 3166-1 alpha-3, group members included).</li>
<li>{cov["multi_source_events"]} events reported by two or more sources;
{cov["fulfils_links"]} pledge-to-delivery (<code>fulfils</code>) links.</li>
</ul>
<h2>What it does not cover</h2>
<p>It is not a census. It holds the events found in the public reports its coders searched
and could read; an event absent here may still have happened, and counts per country or
year reflect reporting as much as activity. Pledges are never counted as deliveries, and a
pledge with no linked delivery is not a pledge known to be unfulfilled. Events that rest
only on cited sources (<code>evidence_kind = cited</code>) have evidence in the coders' own
words, checked by people rather than by machine.</p>
<h2>Figures</h2>
{imgs}
<h2>Pledges and linked deliveries</h2>
{_table(pl_rows, ["pledge_event_id", "action", "count_pledged", "count_unit", "deliveries",
                  "count_delivered"])}
<h2>Inter-coder agreement</h2>
<p>Event match rate: {rate} ({matched} of the main coder's {main} reports in the
{len(agreement.get("sources") or [])} double-coded sources found by the second coder).</p>
{_table(agree_rows, ["field", "n", "raw agreement", "Krippendorff's alpha"])}
<h2>Cite this release</h2>
<pre>{html.escape(cite(rel.version, "apa"))}</pre>
<h2>Changelog</h2>
<pre>{html.escape(changelog(rel.version))}</pre>
</body></html>
"""


def write_card(out: Path, version: str | None = None) -> list[Path]:
    """Write card.html and one PNG per figure into `out`; return the paths written."""
    rel = release_info(version)
    figs = figures(rel)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (_, png) in figs.items():
        (out / f"{name}.png").write_bytes(png)
        written.append(out / f"{name}.png")
    page = out / "card.html"
    page.write_text(card_html(rel, figs), encoding="utf-8")
    return [page, *written]
