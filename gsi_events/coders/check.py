"""Checking one coding file: its problems, and where each of its quotes was found (a
cited source's evidence has no text to find: its locator is shown instead).

Only the files the checked file's rules and warnings read are compiled with it (see
gsi_events.coders.related): its problems and probable duplicates are those `validate`
finds for it. Problems of source records are shown for the records it depends on."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from gsi_events.coders.related import related_files
from gsi_events.compile.pipeline import Compiled, compile_repository
from gsi_events.compile.read import CODING_DIR, SECOND_CODING_DIR, coding_files_in
from gsi_events.compile.rows import evidence_word, locate
from gsi_events.compile.validate.passages import explain_miss


@dataclass
class QuoteReport:
    event_id: str
    number: int
    line: int | None
    span: tuple[int, int] | None
    explanation: str  # where it was found, or why not
    word: str = "quote"

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.event_id} {self.word} {self.number}{where}: {self.explanation}"


def sibling_files(root: Path, path: Path) -> list[Path]:
    """The coding files compiled with `path`: its own set (main or second coder)."""
    folder = (SECOND_CODING_DIR if path.parent.resolve() == (root / SECOND_CODING_DIR).resolve()
              else CODING_DIR)
    # `path` itself, by where it leads: a file of the folder that is not a symbolic link
    # leads to the folder's real path and its name (10,000 resolves cost a second)
    target, stem = path.resolve(), path.name.split(".")[0]
    here = target.name if target.parent == (root / folder).resolve() else None
    links: set[str] = set()
    with contextlib.suppress(OSError), os.scandir(root / folder) as found:
        links = {e.name for e in found if e.is_symlink()}
    others = [p for p in coding_files_in(root, folder) if p.name.split(".")[0] != stem
              and (p.resolve() != target if p.name in links else p.name != here)]
    return [*others, path]


def check_file(root: Path, path: Path) -> tuple[Compiled, list[QuoteReport]]:
    """Compile the part of the dataset this file's rules read (`related.related_files`),
    with this file in it; keep the problems that concern it."""
    files, source_ids = related_files(root, path, sibling_files(root, path))
    compiled = compile_repository(root, files, source_ids)
    rel = path.resolve().relative_to(root.resolve()).as_posix() \
        if path.resolve().is_relative_to(root.resolve()) else path.as_posix()
    compiled.problems = [p for p in compiled.problems if p.file in (rel, path.as_posix())
                         or p.file.startswith("archive/")]
    quotes: list[QuoteReport] = []
    coding = next((c for c in compiled.repo.codings if c.file in (rel, path.as_posix())), None)
    if coding is None:
        return compiled, quotes
    source = compiled.repo.source(coding.source_id)
    for report in coding.reports:
        for n, q in enumerate(report.quotes, 1):
            if evidence_word(q) == "evidence":
                quotes.append(QuoteReport(report.event_id, n, q.get("_line"), None,
                    f"cited, at {q.get('locator')!r} (not machine-checked against the "
                    "source: re-read the page)", "evidence"))
                continue
            text = q.get("quote") or ""
            span = locate(text, source)
            if span:
                explanation = f"found at characters {span[0]}-{span[1]}"
            else:
                explanation = "NOT FOUND: " + explain_miss(text, source.text if source else None)
            quotes.append(QuoteReport(report.event_id, n, q.get("_line"), span, explanation))
    return compiled, quotes
