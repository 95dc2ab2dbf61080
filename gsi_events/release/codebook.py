"""The codebook's field, vocabulary and rule tables, generated from schemas/.

docs/codebook.md holds prose written by people and blocks between
`<!-- BEGIN GENERATED: NAME -->` and `<!-- END GENERATED: NAME -->` written by this module.
A test fails when a block is not what schemas/ says.
"""

from __future__ import annotations

import re
from pathlib import Path

from gsi_events.compile import schema
from gsi_events.compile.schema import Field, TableSchema
from gsi_events.errors import CodebookError

BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z_]+) -->\n)(.*?)(<!-- END GENERATED: (?P=name) -->)",
    re.S,
)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _constraints(f: Field) -> str:
    parts = ["required" if f.required else "optional"]
    if f.unique:
        parts.append("unique")
    if f.pattern:
        parts.append(f"pattern `{f.pattern}`")
    if f.minimum is not None:
        parts.append(f"≥ {f.minimum}")
    if f.maximum is not None:
        parts.append(f"≤ {f.maximum}")
    if f.min_length or f.max_length:
        parts.append(f"{f.min_length or 0}–{f.max_length or '…'} characters")
    if f.codelist:
        parts.append(f"codes: {f.codelist}")
    if f.categories:
        parts.append("vocabulary below")
    if f.separator:
        parts.append(f"list joined with `{f.separator}`")
    return ", ".join(parts)


def fields_table(t: TableSchema) -> str:
    rows = ["| field | type | coded as | constraints | description |",
            "|---|---|---|---|---|"]
    for f in t.fields:
        how = (f"derived: {f.derived}" if f.derived else
               "implied by the file's structure" if f.coding == "implied" else
               f"`{f.key}:` in coding files")
        rows.append(f"| `{f.name}` | {f.type} | {_cell(how)} | {_cell(_constraints(f))} | "
                    f"{_cell(f.description)} |")
    keys = f"Primary key: `{', '.join(t.primary_key)}`."
    for fk in t.foreign_keys:
        keys += (f" Foreign key: `{', '.join(fk.fields)}` → "
                 f"`{fk.resource}.{', '.join(fk.reference_fields)}`.")
    return f"**{t.title}** (`{t.name}`): {t.description}\n\n" + "\n".join(rows) + f"\n\n{keys}\n"


def vocabularies(t: TableSchema) -> str:
    out = []
    for f in t.fields:
        if not f.categories or f.name == "action":
            continue
        out.append(f"`{t.name}.{f.name}`\n\n| value | definition |\n|---|---|")
        out += [f"| `{c.value}` | {_cell(c.label)} |" for c in f.categories]
        out.append("")
    return "\n".join(out)


def actions_table() -> str:
    f = schema.table("events").field("action")
    rows = ["| action | kind | statuses allowed | CAMEO | PLOVER event | PLOVER mode | "
            "PLOVER context | summable | definition |",
            "|---|---|---|---|---|---|---|---|---|"]
    for c in f.categories:
        x = c.extra
        rows.append(
            f"| `{c.value}` | {x.get('kind')} | {', '.join(x.get('statuses') or [])} | "
            f"{x.get('cameo')} | {x.get('plover_event')} | {x.get('plover_mode') or '–'} | "
            f"{', '.join(x.get('plover_context') or [])} | "
            f"{'yes' if x.get('aggregatable') else 'no'} | {_cell(c.label)} |")
    return "\n".join(rows) + "\n"


def rules_table() -> str:
    rows = ["| rule id | rule |", "|---|---|"]
    for t in schema.schemas().values():
        rows += [f"| `{t.name}.{r.id}` | {_cell(r.description)} |" for r in t.rules]
    return "\n".join(rows) + "\n"


def blocks() -> dict[str, str]:
    tables = schema.schemas()
    out = {"actions": actions_table(), "rules": rules_table()}
    for name, t in tables.items():
        out[f"fields_{name}"] = fields_table(t)
        voc = vocabularies(t)
        if voc:
            out[f"vocab_{name}"] = voc
    return out


def render_codebook(text: str) -> str:
    generated = blocks()

    def fill(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in generated:
            raise CodebookError(f"docs/codebook.md has a generated block {name!r} that no "
                                "schema makes")
        return m.group(1) + generated[name] + m.group(4)

    return BLOCK.sub(fill, text)


def missing_blocks(text: str) -> list[str]:
    present = {m.group("name") for m in BLOCK.finditer(text)}
    return sorted(set(blocks()) - present)


def update_codebook(path: Path, write: bool = True) -> bool:
    """Regenerate the blocks; True when the file was (or would be) changed."""
    text = path.read_text(encoding="utf-8")
    new = render_codebook(text)
    if missing_blocks(new):
        raise CodebookError(f"{path} lacks generated blocks: {', '.join(missing_blocks(new))}")
    if new != text and write:
        path.write_text(new, encoding="utf-8")
    return new != text
