"""Charts as SVG drawn on the server: no script, no CDN, readable without colour.

Every chart is an ``<svg role="img">`` with a title and a description, prints
its numbers next to its marks, and tells series apart by pattern as well as
by colour (Okabe–Ito palette). The same numbers are always offered as a table
and as CSV by the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BLUE, ORANGE, GREEN, GREY = "#0072B2", "#D55E00", "#009E73", "#595959"
HEAT = ("#f2f2f2", "#d0e3f1", "#a3c8e6", "#6aa5d6", "#2f7fc1", "#0b4f8a")
FONT = 'font-family="sans-serif"'


@dataclass(frozen=True)
class Series:
    """One series of a column chart: its name, values, colour and fill pattern."""

    name: str
    values: Sequence[int]
    colour: str
    pattern: str  # "solid", "hatch" or "dots"


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT} font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _patterns(chart_id: str, series: Sequence[Series]) -> list[str]:
    parts = ["<defs>"]
    for index, s in enumerate(series):
        pid = f"{chart_id}-p{index}"
        if s.pattern == "hatch":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
                f'<rect width="3" height="6" fill="{s.colour}"/></pattern>'
            )
        elif s.pattern == "dots":
            parts.append(
                f'<pattern id="{pid}" width="5" height="5" patternUnits="userSpaceOnUse">'
                f'<rect width="5" height="5" fill="#fff"/>'
                f'<circle cx="2.5" cy="2.5" r="1.8" fill="{s.colour}"/></pattern>'
            )
    parts.append("</defs>")
    return parts


def _fill(chart_id: str, index: int, s: Series) -> str:
    return s.colour if s.pattern == "solid" else f"url(#{chart_id}-p{index})"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def horizontal_bars(
    chart_id: str, title: str, description: str, items: Sequence[tuple[str, int]]
) -> Markup:
    """One bar per item, its label on the left and its value at the end."""
    longest = max((len(_short(name, 24)) for name, _ in items), default=4)
    label_width, bar_width, row = min(longest * 13 + 16, 330), 300, 26
    height = row * max(len(items), 1) + 10
    width = label_width + bar_width + 60
    top = max((value for _, value in items), default=0) or 1
    parts = _open(chart_id, width, height, title, description)
    for index, (name, value) in enumerate(items):
        y = 5 + index * row
        length = round(bar_width * value / top)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(_short(name, 24))}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1)}" height="{row - 8}" '
            f'fill="{BLUE}" stroke="{BLUE}"><title>{escape(name)}: {value}</title></rect>'
        )
        parts.append(f'<text x="{label_width + length + 6}" y="{y + 16}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def columns(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> Markup:
    """Grouped columns (one group per category), with a legend of swatches."""
    left, bottom, top_margin, plot_height = 36, 40, 34, 180
    group = 14 * len(series) + 12
    width = left + group * max(len(categories), 1) + 10
    height = top_margin + plot_height + bottom
    peak = max((v for s in series for v in s.values), default=0) or 1
    parts = _open(chart_id, width, height, title, description)
    parts += _patterns(chart_id, series)
    # legend
    x = left
    for index, s in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{_fill(chart_id, index, s)}" '
            f'stroke="{s.colour}"/><text x="{x + 18}" y="18">{escape(s.name)}</text>'
        )
        x += 18 + 12 * len(s.name) + 24
    base = top_margin + plot_height
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="{GREY}"/>')
    for tick in (0, peak // 2, peak):
        y = base - plot_height * tick / peak
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{GREY}">{tick}</text>'
        )
    for ci, name in enumerate(categories):
        gx = left + ci * group + 6
        for index, s in enumerate(series):
            value = s.values[ci]
            bar = plot_height * value / peak
            bx = gx + index * 14
            parts.append(
                f'<rect x="{bx}" y="{base - bar:.1f}" width="12" height="{max(bar, 0.5):.1f}" '
                f'fill="{_fill(chart_id, index, s)}" stroke="{s.colour}">'
                f"<title>{escape(name)} {escape(s.name)}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{gx + 7 * len(series)}" y="{base + 16}" text-anchor="middle" '
            f'font-size="10">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def heat_map(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[int]],
    header: int = 150,
) -> Markup:
    """A grid of cells shaded by count, every count written in its cell (``header``: the
    height left for the column names, written at a slant)."""
    label_width, cell_w, cell_h = 170, 46, 30
    width = label_width + cell_w * max(len(cols), 1) + 10
    height = header + cell_h * max(len(rows), 1) + 10
    peak = max((v for row in values for v in row), default=0) or 1
    parts = _open(chart_id, width, height, title, description)
    for ci, name in enumerate(cols):
        x = label_width + ci * cell_w + cell_w / 2
        parts.append(
            f'<text transform="translate({x:.1f},{header - 6}) rotate(-55)" font-size="11">'
            f"<title>{escape(name)}</title>{escape(_short(name, 12))}</text>"
        )
    for ri, name in enumerate(rows):
        y = header + ri * cell_h
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 19}" text-anchor="end">'
            f"{escape(_short(name, 12))}</text>"
        )
        for ci, value in enumerate(values[ri]):
            level = 0 if value == 0 else 1 + min(int(4 * value / peak), 4)
            colour = HEAT[level]
            x = label_width + ci * cell_w
            ink = "#fff" if level >= 4 else "#000"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{colour}" stroke="#bbb"><title>{escape(name)} × {escape(cols[ci])}: '
                f"{value}</title></rect>"
                f'<text x="{x + cell_w / 2 - 1:.1f}" y="{y + 19}" text-anchor="middle" '
                f'fill="{ink}">{value}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
