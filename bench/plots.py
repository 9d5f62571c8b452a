"""The growth curves as PNGs: scan throughput by scans stored, cold feed render by stops, job search latency by jobs; and the scale scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {"sqlite": "SQLite, 1 worker", "postgres": "PostgreSQL, 2 workers"}
STYLE = {"sqlite": {"color": "tab:blue", "marker": "o"}, "postgres": {"color": "tab:orange", "marker": "s"}}


def _figure(title: str, xlabel: str, ylabel: str):
    figure, axes = plt.subplots(figsize=(6.4, 4), dpi=100)
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel, xscale="log")
    axes.grid(True, which="both", alpha=0.3)
    return figure, axes


def _save(figure, axes, path: Path) -> Path:
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def draw(growth: dict[str, dict[str, list[dict[str, Any]]]], directory: Path) -> list[Path]:
    """One PNG per curve, each with both databases; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []

    figure, axes = _figure("Gate check-ins at 64 scanners", "scans already stored", "check-ins per second")
    for db, curves in growth.items():
        points = curves["scans"]
        axes.plot([p["stored"] for p in points], [p["rate"] for p in points], label=LABELS[db], **STYLE[db])
        if points:
            # The target: within 20% of the throughput with the fewest scans stored.
            axes.axhline(points[0]["rate"] * 0.8, color=STYLE[db]["color"], linestyle=":", linewidth=1, label=f"{LABELS[db]}: 80% of the first")
    axes.set_ylim(bottom=0)
    paths.append(_save(figure, axes, directory / "scan-growth.png"))

    figure, axes = _figure("Calendar feed, first render", "stops in the feed", "milliseconds")
    axes.set_yscale("log")
    for db, curves in growth.items():
        points = curves["feeds"]
        axes.plot([p["stops"] for p in points], [p["ms"] for p in points], label=LABELS[db], **STYLE[db])
    axes.axhline(2000, color="grey", linestyle="--", linewidth=1, label="target for 10,000 stops: 2 s")
    paths.append(_save(figure, axes, directory / "feed-growth.png"))

    figure, axes = _figure("Job search at 16 clients", "jobs at the event", "milliseconds")
    axes.set_yscale("log")
    for db, curves in growth.items():
        points = curves["jobs"]
        jobs = [p["jobs"] for p in points]
        axes.plot(jobs, [p["p99_ms"] for p in points], label=f"{LABELS[db]}: p99", **STYLE[db])
        axes.plot(jobs, [p["p50_ms"] for p in points], label=f"{LABELS[db]}: p50", linestyle="--", alpha=0.6, **STYLE[db])
    axes.axhline(50, color="grey", linestyle="--", linewidth=1, label="target (PostgreSQL, 100,000 jobs): p99 50 ms")
    paths.append(_save(figure, axes, directory / "job-search-growth.png"))

    scale = [point for curves in growth.values() for point in curves.get("scale", [])]
    if scale:
        paths.append(_scale(scale, directory / "scale.png"))
    return paths


def _scale(points: list[dict[str, Any]], path: Path) -> Path:
    """Throughput per worker at 2 and 4 workers (PostgreSQL and Redis), each relative to 2 workers' (1.0: linear scaling)."""
    figure, axes = plt.subplots(figsize=(6.4, 4), dpi=100)
    axes.set(title="Throughput per worker (PostgreSQL + Redis), relative to 2 workers", xlabel="workers", ylabel="per worker, 2 workers = 1")
    axes.grid(True, alpha=0.3)
    workers = [point["workers"] for point in points]
    for key, label, style in (("check_ins", "gate check-ins, 64 scanners", "o-"), ("event_list", "event list, 16 clients", "s-")):
        first = points[0][key] / points[0]["workers"]
        axes.plot(workers, [point[key] / point["workers"] / first for point in points], style, label=label)
    axes.axhline(1, color="grey", linestyle="--", linewidth=1, label="linear scaling")
    axes.set_xticks(workers)
    axes.set_ylim(bottom=0)
    return _save(figure, axes, path)
