"""A report as data: sections of tables (and the chart each may carry), written once and rendered three ways.

The JSON answer, the XLSX workbook and the PDF are all drawn from one `Report`, so a figure cannot
differ between them: the renderers lay tables out, they never count. Every count a person could be
picked out of is already `SMALL` here ("<5"), before any renderer sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

#: What a report shows instead of a count of 1 to 4 people: too few to send onward without a privacy review.
SMALL = "<5"
#: Groups smaller than this are shown as SMALL (0 stays 0: nobody is in it).
SMALLEST_SHOWN = 5

ColumnKind = Literal["text", "count", "percent", "number", "date", "datetime"]
ChartKind = Literal["bar", "stacked_bar", "line", "funnel"]
Value = str | int | float | date | datetime | None


def small(count: int) -> int | str:
    """A count of people as a report may show it: 1 to 4 become "<5"."""
    return SMALL if 0 < count < SMALLEST_SHOWN else count


class _Bilingual:
    """A thing with a Chinese and an English name; reports speak Chinese unless asked for English."""

    zh: str
    en: str

    def title(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


@dataclass(frozen=True)
class Column(_Bilingual):
    key: str
    zh: str
    en: str
    #: percent: a share between 0 and 1; count: people or things, may be SMALL; number: any other figure.
    kind: ColumnKind = "count"

    def label(self, language: str) -> str:
        return self.title(language)


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    #: The column whose values label the x axis (or the funnel's stages).
    x: str
    #: The columns drawn (bars side by side, stacked, or lines).
    y: tuple[str, ...]


@dataclass(frozen=True)
class Table(_Bilingual):
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: list[tuple[Value, ...]]
    chart: Chart | None = None
    #: Shown under the table: what a figure means when its name is not enough (also in docs/reports.md).
    note_zh: str = ""
    note_en: str = ""

    def as_json(self) -> dict[str, Any]:
        keys = [column.key for column in self.columns]
        return {
            "key": self.key,
            "title": {"zh": self.zh, "en": self.en},
            "columns": [{"key": c.key, "label": {"zh": c.zh, "en": c.en}, "kind": c.kind} for c in self.columns],
            "rows": [dict(zip(keys, (_json_value(value) for value in row), strict=True)) for row in self.rows],
        }


@dataclass(frozen=True)
class Section(_Bilingual):
    key: str
    zh: str
    en: str
    tables: tuple[Table, ...]


@dataclass
class Report(_Bilingual):
    kind: Literal["event", "period"]
    zh: str
    en: str
    organiser: str
    generated_at: datetime
    #: The event's slug, or the period's first and last day.
    subject: dict[str, Any]
    sections: list[Section] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(table for section in self.sections for table in section.tables if table.key == key)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": {"zh": self.zh, "en": self.en},
            "organiser": self.organiser,
            "generated_at": self.generated_at.isoformat(),
            "subject": {key: _json_value(value) for key, value in self.subject.items()},
            "sections": [
                {"key": s.key, "title": {"zh": s.zh, "en": s.en}, "tables": [t.as_json() for t in s.tables]} for s in self.sections
            ],
        }


def _json_value(value: Value) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value
