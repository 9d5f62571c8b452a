"""What a run reports: rows with their targets, the printed table, the JSON file, the change since an earlier file, the docs section."""

from __future__ import annotations

import json
import os
import platform
import re
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import load

DB_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
DOCS_START, DOCS_END = "<!-- bench:results -->", "<!-- /bench:results -->"


@dataclass
class Row:
    scenario: str
    #: Stable across runs, with db, concurrency and size: what --compare matches rows on.
    key: str
    db: str
    concurrency: int | None = None
    #: Rows stored, jobs or stops, where the scenario grows.
    size: int | None = None
    requests: int | None = None
    rate: float | None = None
    ping_rate: float | None = None
    #: The bare Litestar ping (bench/bare.py, same server, workers and connections) measured with the app's ping.
    bare_rate: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    target: str = ""
    #: None: no target for this row.
    passed: bool | None = None
    note: str = ""

    @classmethod
    def of(cls, *, scenario: str, key: str, db: str, concurrency: int, ping: load.Result, result: load.Result, bare: load.Result | None = None,
           size: int | None = None, note: str = "", extra_errors: int = 0) -> Row:
        # A run that got no answer within its time has no latency to show.
        answered = result.requests > 0
        return cls(scenario=scenario, key=key, db=db, concurrency=concurrency, size=size, requests=result.requests, rate=result.rate,
                   ping_rate=ping.rate, bare_rate=bare.rate if bare is not None else None, p50_ms=result.p50_ms if answered else None,
                   p99_ms=result.p99_ms if answered else None, errors=result.errors + extra_errors, note=note)

    @property
    def ratio(self) -> float | None:
        """The rate against this app's own /bench/ping: the work compared with the app's per-request cost."""
        return self.rate / self.ping_rate if self.rate is not None and self.ping_rate else None

    @property
    def ratio_bare(self) -> float | None:
        """The rate against the bare Litestar ping: the work and the app's stack compared with the framework's ceiling."""
        return self.rate / self.bare_rate if self.rate is not None and self.bare_rate else None

    @property
    def mark(self) -> str:
        return {True: "✓", False: "✗", None: ""}[self.passed]

    def judge(self, target: str, passed: bool) -> None:
        self.target, self.passed = target, bool(passed)

    def match_key(self) -> tuple:
        return (self.db, self.key, self.concurrency, self.size)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "ratio_bare": self.ratio_bare}


def _number(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _rate(value: float | None) -> str:
    """Three significant figures or more: a sync batch or a cold 10,000-stop feed comes in fractions of one a second."""
    if value is None:
        return ""
    return _number(value, 0 if value >= 100 else 1 if value >= 10 else 2)


def _cells(row: Row) -> list[str]:
    return [row.scenario, DB_NAMES[row.db], _number(row.concurrency), _rate(row.rate), _number(row.ratio_bare, 3), _number(row.ratio, 3),
            _number(row.p50_ms, 1), _number(row.p99_ms, 1), _number(row.errors), row.target, row.mark, row.note]


HEADER = ["scenario", "db", "conc", "req/s", "× bare", "× ping", "p50 ms", "p99 ms", "errors", "target", "", "note"]
RIGHT = {2, 3, 4, 5, 6, 7, 8}


def table(rows: list[Row]) -> str:
    """The one table a run prints."""
    lines = [HEADER, *(_cells(row) for row in rows)]
    widths = [max(len(line[n]) for line in lines) for n in range(len(HEADER))]
    out = []
    for k, line in enumerate(lines):
        out.append("  ".join(cell.rjust(widths[n]) if n in RIGHT else cell.ljust(widths[n]) for n, cell in enumerate(line)).rstrip())
        if k == 0:
            out.append("  ".join("-" * width for width in widths))
    passed = sum(row.passed is True for row in rows)
    missed = sum(row.passed is False for row in rows)
    out.append(f"targets: {passed} met ✓, {missed} missed ✗")
    return "\n".join(out)


def markdown(rows: list[Row]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---:" if n in RIGHT else "---" for n in range(len(HEADER))) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _cells(row)) + " |" for row in rows]
    return "\n".join(out)


def machine(postgres_version: str | None) -> dict[str, Any]:
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)
    wrk = subprocess.run([load.wrk_binary(), "--version"], capture_output=True, text=True, check=False).stdout.split("Copyright")[0].strip()  # noqa: S603
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "memory_gb": round(int(memory.group(1)) / 1024**2, 1) if memory else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
        "uvicorn": version("uvicorn"),
        "litestar": version("litestar"),
        "wrk": wrk,
    }


def git_commit(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603, S607

    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def compare(earlier: dict[str, Any], rows: list[Row]) -> str:
    """The change of each row since an earlier run's JSON: req/s, ratio to ping, p99, and the mark."""
    before = {(row["db"], row["key"], row["concurrency"], row["size"]): row for row in earlier["rows"]}
    lines = [["scenario", "db", "conc", "req/s (or note) then → now", "change", "× bare then → now", "× ping then → now", "p99 ms then → now", ""]]
    for row in rows:
        old = before.get(row.match_key())
        if old is None:
            continue
        change = f"{(row.rate / old['rate'] - 1) * 100:+.0f}%" if row.rate and old["rate"] else ""
        marks = {True: "✓", False: "✗", None: ""}
        # Rows without a rate (growth kept, memory) carry their figure in the note.
        then_now = f"{_rate(old['rate'])} → {_rate(row.rate)}" if row.rate is not None else f"{old['note']} → {row.note}"
        lines.append([row.scenario, DB_NAMES[row.db], _number(row.concurrency), then_now, change,
                      f"{_number(old.get('ratio_bare'), 3)} → {_number(row.ratio_bare, 3)}", f"{_number(old['ratio'], 3)} → {_number(row.ratio, 3)}", f"{_number(old['p99_ms'], 1)} → {_number(row.p99_ms, 1)}",
                      f"{marks[old['passed']]} → {row.mark}" if old["passed"] is not None or row.passed is not None else ""])
    widths = [max(len(line[n]) for line in lines) for n in range(len(lines[0]))]
    header = f"compared with {earlier.get('started_at', '?')} ({earlier.get('git', {}).get('commit', '?')}, {earlier.get('mode', '?')} mode):"
    return "\n".join([header, *("  ".join(cell.ljust(widths[n]) for n, cell in enumerate(line)).rstrip() for line in lines)])


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def update_docs(path: Path, document: dict[str, Any], rows: list[Row], plots: list[Path]) -> None:
    """Rewrite the results section of docs/benchmarks.md (between its markers) with this run."""
    m = document["machine"]
    section = [
        DOCS_START,
        f"Measured {document['started_at'][:16].replace('T', ' ')} UTC at commit `{document['git']['commit']}`"
        f"{' (with uncommitted changes)' if document['git']['dirty'] else ''}, {document['mode']} mode; the whole run took "
        f"{document['seconds'] / 60:.0f} minutes.",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB, Linux {m['kernel']}; Python {m['python']}, SQLite {m['sqlite']}, "
        f"PostgreSQL {m['postgresql']}, uvicorn {m['uvicorn']}, Litestar {m['litestar']}, {m['wrk']}.",
        "",
        markdown(rows),
        "",
        f"Targets: {sum(row.passed is True for row in rows)} met ✓, {sum(row.passed is False for row in rows)} missed ✗.",
        "",
        *(f"**Warning:** {warning}.\n" for warning in document["warnings"]),
        *(f"![{plot.stem}](benchmarks/{plot.name})" for plot in plots),
        DOCS_END,
    ]
    text = path.read_text()
    start, end = text.index(DOCS_START), text.index(DOCS_END) + len(DOCS_END)
    path.write_text(text[:start] + "\n".join(section) + text[end:])
