"""The whole repository read: every source record and coding file through the parse cache,
then the rules across files. Above read.py (one file), cache.py (each file's result kept)
and crossfile.py (rules across files), which it puts together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from gsi_events.compile import cache
from gsi_events.compile.crossfile import Wording, coding_wording, cross_file_problems
from gsi_events.compile.read import (
    ARCHIVE_DIR,
    Coding,
    Repository,
    SourceRecord,
    coding_files_in,
    read_retired,
    with_text,
)
from gsi_events.fileops import Realpaths
from gsi_events.problems import Problem


def read_repository(root: Path, coding_files: Sequence[Path] | None = None,
                    sources: Sequence[SourceRecord] | None = None,
                    source_ids: Iterable[str] | None = None) -> Repository:
    """Read every source record and coding file below root; collect all problems. Each
    file's own result comes from the parse cache when its bytes were read before
    (gsi_events.compile.cache). `sources`: records read already (their problems too), so
    that a second reading of coding files does not read archive/ again; `source_ids`:
    read only these records (`check` of one file)."""
    repo = Repository(root=root)
    items: list[tuple[str, Path]] = []
    if sources is not None:
        repo.sources = list(sources)
    else:
        paths = (root / ARCHIVE_DIR).glob("*.yaml") if source_ids is None else [
            p for p in (root / ARCHIVE_DIR / f"{s}.yaml" for s in set(source_ids))
            if p.exists()]
        items += [("source", p) for p in sorted(paths, key=lambda p: p.name)]
    files = coding_files_in(root) if coding_files is None else coding_files
    items += [("coding", p) for p in sorted(files, key=lambda p: p.name)]
    store = cache.Store(root)
    links = Realpaths(root)
    keys: dict[int, str] = {}  # id of each Coding read -> its file's entry key
    try:
        for kind, path, rel, key, result, problems in cache.read_all(root, items, store,
                                                                     links):
            if kind == "source" and result is not None:
                record, problems = with_text(result, path, root, links, rel)
                if record is not None:
                    repo.sources.append(record)
            elif result is not None:
                coding, found = result
                problems = problems + found
                if coding is not None:
                    repo.codings.append(coding)
                    if key is not None:
                        keys[id(coding)] = key
            repo.problems += problems
        repo.retired, problems = read_retired(root)
        repo.problems += problems
        repo.problems += cross_file_problems(repo, _kept_wording(store, keys))
    finally:
        store.close()
    return repo


def _kept_wording(store: cache.Store, keys: dict[int, str]) -> Wording:
    """`coding_wording`, each coding file's problems kept in the parse cache by its
    entry's key and its source's language (a warm `validate` checks no wording again).
    A file whose source is unknown (its reports all rejected) is checked afresh."""

    def wording(files: list[tuple[Coding, str, bool]]) -> list[list[Problem]]:
        return cache.derived(
            store, [cache.derived_key("wording", keys[id(c)], language)
                    if known and id(c) in keys else None for c, language, known in files],
            lambda i: coding_wording([files[i]])[0])

    return wording
