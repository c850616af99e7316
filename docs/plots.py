"""Plots for the documentation site, drawn as inline SVG from the Markdown tables themselves.

A page asks for a plot with a comment on the line before a table (blank lines may separate
them); the site shows the plot after the table, and the forge, which hides the comment, shows
the table alone. The table stays the only copy of the figures::

    <!-- plot: kind=bars; values=F1; title=F1 on extraction-dev -->
    <!-- plot: kind=lines; x=lines; series=input; values=after: clean; log=y; title=... -->

Keys (``key=value``, separated by ``;``; column names are the header cells, comma-separated):

``kind``
    ``bars``: one group of horizontal bars per row, labelled by the first column;
    ``lines``: one line per value column and ``series`` cell, over the numeric ``x`` column.
``values``
    the columns to plot. A cell's first number is read (``**0.762**``, ``1,325 MB``, ``161x``);
    an empty cell is a missing point.
``skip``
    rows to leave out, by their first cell without emphasis (``all, articles per CPU-second``).
``log``
    ``y`` for a logarithmic value axis (``lines`` only).
``title``
    shown above the plot.

No script, font or stylesheet is fetched: the SVG is written into the page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

MARKER = re.compile(r"^<!--\s*plot:(?P<spec>.*?)-->\s*$")
_FENCE = re.compile(r"^\s*(```+|~~~+)")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_EMPHASIS = re.compile(r"[*`]")
# Colour-blind-safe (Okabe-Ito) colours, one per series.
_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")
_WIDTH = 720
_FONT = 'font-family="sans-serif" font-size="12" fill="currentColor"'


class PlotError(ValueError):
    """A plot comment that does not fit the table below it (a column missing, no numbers)."""


@dataclass(frozen=True)
class Table:
    """A Markdown table: header cells and rows of cells, as written."""

    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> int:
        """The index of the column headed ``name`` (emphasis ignored)."""
        plain = [_plain(cell) for cell in self.header]
        if name not in plain:
            raise PlotError(f"no column {name!r} in table with columns {plain}")
        return plain.index(name)


def _plain(cell: str) -> str:
    return _EMPHASIS.sub("", cell).strip()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_table(lines: list[str]) -> Table:
    """Read a pipe table (header, separator, rows) from its lines."""
    if len(lines) < 3:
        raise PlotError("a plot comment must be followed by a table with at least one row")
    return Table(_cells(lines[0]), [_cells(line) for line in lines[2:]])


def number(cell: str) -> float | None:
    """The first number written in a cell, or None for a cell without one."""
    found = _NUMBER.search(_EMPHASIS.sub("", cell))
    return float(found.group().replace(",", "")) if found else None


def parse_spec(spec: str) -> dict[str, str]:
    """``key=value; key=value`` as a dict; ``kind``, ``values`` and ``title`` are required."""
    options = {}
    for part in spec.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise PlotError(f"plot option {part.strip()!r} is not key=value")
        options[key.strip()] = value.strip()
    for key in ("kind", "values", "title"):
        if key not in options:
            raise PlotError(f"plot comment without {key}=")
    return options


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _svg(height: float, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {_WIDTH} {height:.0f}" '
        f'width="{_WIDTH}" height="{height:.0f}" style="max-width:100%;height:auto" '
        f'aria-label="{escape(title)}">'
    )
    heading = f'<text x="0" y="16" {_FONT} font-weight="bold">{escape(title)}</text>'
    return "".join([head, heading, *body, "</svg>"])


def _legend(names: list[str], y: float) -> tuple[list[str], float]:
    """A colour key for ``names``, wrapped to the plot's width; and the y below it."""
    out, x = [], 0.0
    for number_, name in enumerate(names):
        width = 24 + 7 * len(name)
        if x and x + width > _WIDTH:
            x, y = 0.0, y + 16
        colour = _COLOURS[number_ % len(_COLOURS)]
        out.append(f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14:.0f}" y="{y:.0f}" {_FONT}>{escape(name)}</text>')
        x += width
    return out, y + 16


def bars(table: Table, options: dict[str, str]) -> str:
    """Grouped horizontal bars: a group per row, a bar per value column."""
    columns = [table.column(name.strip()) for name in options["values"].split(",")]
    skip = {name.strip() for name in options.get("skip", "").split(",") if name.strip()}
    rows = [row for row in table.rows if _plain(row[0]) not in skip]
    values = [[number(row[c]) if c < len(row) else None for c in columns] for row in rows]
    top = max((v for group in values for v in group if v is not None), default=None)
    if not top:
        raise PlotError(f"no positive numbers in columns {options['values']!r}")
    left, right, bar = 280, 60, 12
    span = _WIDTH - left - right
    body, y = [], 36.0
    if len(columns) > 1:
        body, y = _legend([_plain(table.header[c]) for c in columns], y)
    y += 8
    for row, group in zip(rows, values):
        label = _plain(row[0])
        label = label if len(label) <= 44 else label[:43] + "…"
        middle = y + bar * len(group) / 2
        body.append(
            f'<text x="{left - 6}" y="{middle + 4:.0f}" text-anchor="end" {_FONT}>'
            f"{escape(label)}</text>"
        )
        for number_, value in enumerate(group):
            if value is not None:
                width = max(span * value / top, 1)
                colour = _COLOURS[number_ % len(_COLOURS)]
                body.append(
                    f'<rect x="{left}" y="{y:.0f}" width="{width:.1f}" height="{bar - 2}" '
                    f'fill="{colour}"/>'
                    f'<text x="{left + width + 4:.1f}" y="{y + bar - 3:.0f}" {_FONT}>'
                    f"{_fmt(value)}</text>"
                )
            y += bar
        y += 8
    return _svg(y + 4, options["title"], body)


def _ticks(low: float, high: float, log: bool) -> list[float]:
    if log:
        powers = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
        return [10.0**p for p in powers]
    step = 10 ** math.floor(math.log10(high / 5)) if high > 0 else 1
    while high / step > 6:
        step *= 2
    return [step * i for i in range(int(high // step) + 2)]


def lines(table: Table, options: dict[str, str]) -> str:
    """Lines over a numeric ``x`` column: one per value column and ``series`` cell."""
    x_col = table.column(options.get("x", _plain(table.header[0])))
    series_col = table.column(options["series"]) if "series" in options else None
    columns = [table.column(name.strip()) for name in options["values"].split(",")]
    log = options.get("log") == "y"
    lines_: dict[str, list[tuple[float, float]]] = {}
    for row in table.rows:
        x = number(row[x_col])
        for c in columns:
            y = number(row[c]) if c < len(row) else None
            if x is None or y is None or (log and y <= 0):
                continue
            name = ", ".join(
                part
                for part in (
                    _plain(row[series_col]) if series_col is not None else "",
                    _plain(table.header[c]) if len(columns) > 1 else "",
                )
                if part
            )
            lines_.setdefault(name or _plain(table.header[c]), []).append((x, y))
    points = [p for line in lines_.values() for p in line]
    if not points:
        raise PlotError(f"no numbers in columns {options['values']!r}")
    xs = sorted({x for x, _ in points})
    ys = [y for _, y in points]
    y_ticks = _ticks(min(ys), max(ys), log)
    body, below_legend = _legend(list(lines_), 36)
    left, right, top = 60, 20, below_legend + 8
    bottom = top + 250
    x_low, x_high = xs[0], xs[-1] if xs[-1] > xs[0] else xs[0] + 1
    y_low, y_high = (y_ticks[0], y_ticks[-1]) if log else (0.0, y_ticks[-1])

    def px(x: float) -> float:
        return left + (_WIDTH - left - right) * (x - x_low) / (x_high - x_low)

    def py(y: float) -> float:
        if log:
            share = (math.log10(y) - math.log10(y_low)) / (math.log10(y_high) - math.log10(y_low))
        else:
            share = (y - y_low) / (y_high - y_low)
        return bottom - (bottom - top) * share

    axis = 'stroke="currentColor" stroke-opacity="0.3"'
    for tick in y_ticks:
        body.append(
            f'<line x1="{left}" x2="{_WIDTH - right}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" '
            f'{axis}/><text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" {_FONT}>'
            f"{_fmt(tick)}</text>"
        )
    for x in xs:
        body.append(
            f'<text x="{px(x):.1f}" y="{bottom + 16}" text-anchor="middle" {_FONT}>{_fmt(x)}</text>'
        )
    body.append(
        f'<text x="{(left + _WIDTH - right) / 2:.0f}" y="{bottom + 34}" text-anchor="middle" '
        f"{_FONT}>{escape(_plain(table.header[x_col]))}</text>"
    )
    for number_, line in enumerate(lines_.values()):
        colour = _COLOURS[number_ % len(_COLOURS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in sorted(line))
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body += [
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>' for x, y in line
        ]
    return _svg(bottom + 44, options["title"], body)


def plot(spec: str, table_lines: list[str]) -> str:
    """The SVG that the comment ``spec`` asks for, drawn from the table in ``table_lines``."""
    options = parse_spec(spec)
    table = parse_table(table_lines)
    kinds = {"bars": bars, "lines": lines}
    if options["kind"] not in kinds:
        raise PlotError(f"plot kind {options['kind']!r} is not one of {sorted(kinds)}")
    return kinds[options["kind"]](table, options)


def render_plots(markdown: str) -> str:
    """``markdown`` with each plot comment removed and its plot placed after its table."""
    lines_in = markdown.split("\n")
    out: list[str] = []
    index = 0
    fence = None  # the fence of the code block we are in: a plot comment there is an example
    while index < len(lines_in):
        line = lines_in[index]
        opening = _FENCE.match(line)
        if opening and (fence is None or line.strip() == fence):
            fence = opening.group(1) if fence is None else None
        found = MARKER.match(line.strip()) if fence is None else None
        if not found:
            out.append(line)
            index += 1
            continue
        index += 1
        while index < len(lines_in) and not lines_in[index].strip():
            index += 1
        start = index
        while index < len(lines_in) and lines_in[index].lstrip().startswith("|"):
            index += 1
        table_lines = lines_in[start:index]
        out += table_lines
        out += ["", f'<figure class="plot">{plot(found.group("spec"), table_lines)}</figure>', ""]
    return "\n".join(out)
