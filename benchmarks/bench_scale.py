"""The scale benchmark: `validate`, `check` of one file and `build` on generated
repositories of 100, 1,000 or 10,000 sources, cold and after one file changed.

Run: python benchmarks/bench_scale.py --sources 1000 --runs 3 [--work DIR]

Each measurement runs in a fresh Python process (started by this script) that runs the
`gsi-events` command in-process with its output thrown away, and reports the time spent
in each stage: reading (the files, YAML and typing), merging (reports into tables),
validation (table and report rules, cross-file rules), quotes (finding quotes and
explaining misses, inside merging and validation), hashing (sha256, inside reading and
validation), duplicates (the probable-duplicate warnings of validate and check),
agreement (build only) and writing (Parquet and CSV, build only). Stages
nest, so they do not add up to the total. This script reads the child's peak memory
(maximum resident set) and whole-process wall time (imports included) from the
operating system, and its CPU time (user + system: steadier than wall time on a busy
machine). Figures are medians over --runs runs.

Scenarios:
- validate-cold: no parse cache (.gsi-events-cache/ deleted first);
- validate-warm: nothing changed since the last run;
- validate-1change: one coding file changed (a new comment line each run);
- check: `gsi-events check` of one coding file, nothing changed;
- check-1change: the same, the checked file changed;
- build-cold: `gsi-events build` with no parse cache;
- build-1change: one coding file changed;
- validate-mistyped: no parse cache, on a variant of the repository whose sources are all
  archived and whose every coding file has its first quote mistyped ("China and" written
  "China with"), so that every file has a quote that is not found and gets the nearest
  passage search (the issue's 30 s target at 10,000 sources).

Repositories are written once per size and seed into --work (default
benchmarks/.work, gitignored) by gsi_events.testing.scale and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ".gsi-events-cache"
SCENARIOS = ("validate-cold", "validate-warm", "validate-1change", "check", "check-1change",
             "validate-mistyped",
             "build-cold", "build-1change")
# stage -> the functions whose time is that stage's (module, name)
STAGES: dict[str, list[tuple[str, str]]] = {
    "reading": [("gsi_events.compile.repository", "read_repository"),
                ("gsi_events.coders.check", "related_files")],
    "merging": [("gsi_events.compile.merge", "build_tables")],
    "validation": [("gsi_events.compile.validate.run", "validate_tables"),
                   ("gsi_events.compile.validate.run", "validate_reports"),
                   ("gsi_events.compile.crossfile", "conflicting_reports"),
                   ("gsi_events.compile.crossfile", "cross_file_problems")],
    "quotes": [("gsi_events.compile.merge", "locate"),
               ("gsi_events.compile.validate.passages", "explain_miss")],
    "hashing": [("gsi_events.loading", "sha256"), ("gsi_events.compile.cache", "digest")],
    "duplicates": [("gsi_events.coders.duplicates", "probable_duplicates")],
    "agreement": [("gsi_events.release.publish", "quality")],
    "writing": [("gsi_events.release.parquet", "parquet_bytes"),
                ("gsi_events.release.parquet", "csv_bytes")],
}


# --- the child: one timed command ----------------------------------------------------------


def _patch_everywhere(original: Callable[..., Any], wrapper: Callable[..., Any]) -> None:
    """Replace a function in every gsi_events module that holds it (callers that did
    `from module import name` hold their own reference)."""
    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("gsi_events"):
            for attr, value in list(vars(mod).items()):
                if value is original:
                    setattr(mod, attr, wrapper)


def install_timers() -> dict[str, float]:
    import importlib


    spent = {stage: 0.0 for stage in STAGES}
    depth = {stage: 0 for stage in STAGES}

    def timed(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if depth[stage]:  # nested within the same stage: counted once
                return fn(*args, **kwargs)
            depth[stage] += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - start
                depth[stage] -= 1

        return wrapper

    for stage, targets in STAGES.items():
        for module, name in targets:
            try:
                fn = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue  # not in this version of the code
            _patch_everywhere(fn, timed(stage, fn))
    return spent


def child(argv: list[str], result: Path) -> None:
    with contextlib.suppress(ImportError):  # as the command does, before the timers import
        from gsi_events import imports  # the stages' modules (pandera among them)

        imports.hide_unused()
    spent = install_timers()
    from gsi_events.cli import main

    start = time.perf_counter()
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main(argv, standalone_mode=False)
        except SystemExit as e:
            code = int(e.code or 0)
    total = time.perf_counter() - start
    lines = out.getvalue().splitlines()
    result.write_text(json.dumps({"in_process": total, "exit": code, "stages": spent,
                                  "last": lines[-1] if lines else ""}))


# --- the parent: repositories, scenarios, medians -------------------------------------------


MISTYPE = (re.compile(r'(- quote: "?China) and '), r"\1 with ")


def repository(work: Path, n: int, seed: int, mistyped: bool = False) -> Path:
    """The generated repository of n sources; `mistyped`: every source archived and the
    first quote of every coding file mistyped."""
    from gsi_events.testing.scale import VERSION, scale_repository

    root = work / f"repo-{n}-seed{seed}-v{VERSION}{'-mistyped' if mistyped else ''}"
    if not (root / "coding").is_dir():
        tmp = work / f".tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(ROOT / "schemas", tmp / "schemas")
        start = time.perf_counter()
        scale_repository(tmp, n, seed, **({"archived_share": 1.0} if mistyped else {}))
        if mistyped:
            for path in sorted((tmp / "coding").rglob("src-*.yaml")):
                text = path.read_text(encoding="utf-8")
                text, n_done = MISTYPE[0].subn(MISTYPE[1], text, count=1)
                if not n_done:
                    raise RuntimeError(f"{path}: no quote starting 'China and' to mistype")
                path.write_text(text, encoding="utf-8")
        tmp.rename(root)
        print(f"wrote {root} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return root


def run_child(argv: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(result), "--", *argv],
                                cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"the child failed ({proc.returncode}): {argv}")
        data = json.loads(result.read_text())
    data["process"] = wall
    data["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    data["cpu"] = usage.ru_utime + usage.ru_stime
    return data


def touch(path: Path, original: bytes, k: int) -> None:
    """One file changed: a comment line no run wrote before."""
    path.write_bytes(original + f"# bench edit {k} {time.time_ns()}\n".encode())


def scenario(name: str, root: Path, runs: int, out: Path) -> list[dict[str, Any]]:
    coding = sorted((root / "coding").glob("src-*.yaml"))
    target = coding[len(coding) // 2]
    original = target.read_bytes()
    rel = target.relative_to(root).as_posix()
    command, change = name.split("-", 1) if "-" in name else (name, "")
    change = "cold" if change == "mistyped" else change
    argv = {"validate": ["validate", "--root", str(root)],
            "check": ["check", "--root", str(root), rel],
            "build": ["build", "--root", str(root), "--out", str(out)]}[command]
    results = []
    try:
        if change != "cold":  # warm up the cache the scenario starts from
            run_child(argv if command != "build" else ["validate", "--root", str(root)])
        for k in range(runs):
            if change == "cold":
                shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
            if change == "1change":
                touch(target, original, k)
            if command == "build":
                shutil.rmtree(out, ignore_errors=True)
            results.append(run_child(argv))
    finally:
        target.write_bytes(original)
        shutil.rmtree(out, ignore_errors=True)
    return results


def medians(results: list[dict[str, Any]]) -> dict[str, Any]:
    med = lambda xs: statistics.median(xs)  # noqa: E731
    return {
        "in_process": med([r["in_process"] for r in results]),
        "process": med([r["process"] for r in results]),
        "cpu": med([r["cpu"] for r in results]),
        "peak_mb": med([r["peak_mb"] for r in results]),
        "stages": {s: med([r["stages"][s] for r in results]) for s in STAGES},
        "exit": sorted({r["exit"] for r in results}),
        "last": results[-1]["last"],
    }


def table(rows: list[tuple[int, str, dict[str, Any]]]) -> str:
    head = ("| sources | scenario | in-process s | whole process s | process CPU s | peak MB | "
            + " | ".join(STAGES) + " |")
    lines = [head, "|" + "---|" * (6 + len(STAGES))]
    for n, name, m in rows:
        stages = " | ".join(f"{m['stages'][s]:.2f}" for s in STAGES)
        lines.append(f"| {n:,} | {name} | {m['in_process']:.2f} | {m['process']:.2f} | "
                     f"{m['cpu']:.2f} | {m['peak_mb']:.0f} | {stages} |")
    return "\n".join(lines)


def main() -> None:
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        child(sys.argv[sys.argv.index("--") + 1:], Path(sys.argv[i + 1]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=int, nargs="+", default=[1000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work")
    ap.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sources:
        for name in args.scenarios:
            root = repository(args.work, n, args.seed, mistyped=name == "validate-mistyped")
            m = medians(scenario(name, root, args.runs,
                                 args.work / f"build-out-{os.getpid()}"))
            rows.append((n, name, m))
            print(f"{n} {name}: {m['in_process']:.2f} s in-process, {m['process']:.2f} s "
                  f"whole, {m['cpu']:.2f} s CPU, {m['peak_mb']:.0f} MB, exit {m['exit']}: "
                  f"{m['last']}",
                  file=sys.stderr)
    print(f"Medians of {args.runs} runs; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores.")
    print(table(rows))


if __name__ == "__main__":
    main()
