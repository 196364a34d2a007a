"""Charts as SVG drawn on the server: no script, no CDN, readable without colour.

Every chart is an ``<svg role="img">`` with a title and a description, prints
its numbers next to its marks, and tells series apart by pattern as well as
by colour (Okabe–Ito palette). The same numbers are always offered as a table
and as CSV by the dashboard.

Charts are drawn at their own size in CSS pixels, never scaled to the page, so
that every text in every chart has the same size (``FONT_SIZE``) on a 1366 px
screen and on a 375 px phone, where a wide chart scrolls sideways in its
frame instead of shrinking. Labels too long for their place are wrapped or
shortened with "…", the full text in a ``<title>`` (a tooltip, and what
assistive technology reads).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BLUE, ORANGE, GREEN, GREY = "#0072B2", "#D55E00", "#009E73", "#595959"
HEAT = ("#f2f2f2", "#d0e3f1", "#a3c8e6", "#6aa5d6", "#2f7fc1", "#0b4f8a")
FONT_SIZE = 13
FONT = f'font-family="sans-serif" font-size="{FONT_SIZE}"'


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """Roughly how wide ``text`` is drawn: East Asian wide characters take a full em,
    others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def fit(text: str, width: float) -> str:
    """``text`` shortened with "…" to fit ``width`` pixels."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` pixels (broken at a space or
    after 年 or ・ where one fits), the last one shortened with "…"."""
    out: list[str] = []
    rest = text
    while len(out) < lines - 1 and text_width(rest) > width:
        most = max((i for i in range(1, len(rest) + 1) if text_width(rest[:i]) <= width), default=1)
        breaks = [
            i
            for i in range(1, most + 1)
            if i < len(rest) and (rest[i] == " " or rest[i - 1] in "年・")
        ]
        cut = breaks[-1] if breaks else most
        out.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        out.append(fit(rest, width))
    return out


@dataclass(frozen=True)
class Series:
    """One series of a column chart: its name, values, colour and fill pattern."""

    name: str
    values: Sequence[int]
    colour: str
    pattern: str  # "solid", "hatch" or "dots"


def _open(
    chart_id: str, width: float, height: float, title: str, description: str, role: str = "img"
) -> list[str]:
    width, height = round(width), round(height)
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="{role}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>',
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


def _label(x: float, y: float, text: str, width: float, anchor: str = "end") -> str:
    """A label fitted to ``width``, with its full text as a tooltip when shortened."""
    shown = fit(text, width)
    tip = f"<title>{escape(text)}</title>" if shown != text else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{tip}{escape(shown)}</text>'


def horizontal_bars(
    chart_id: str, title: str, description: str, items: Sequence[tuple[str, int]]
) -> Markup:
    """One bar per item, its label on the left and its value at the end."""
    longest = max((text_width(name) for name, _ in items), default=40)
    # Narrow enough for a 375 px phone with Japanese labels; longer ones are shortened.
    label_width, bar_width, row = min(longest, 200) + 12, 180, 28
    height = row * max(len(items), 1) + 10
    width = label_width + bar_width + 50
    top = max((value for _, value in items), default=0) or 1
    parts = _open(chart_id, width, height, title, description)
    for index, (name, value) in enumerate(items):
        y = 5 + index * row
        length = round(bar_width * value / top)
        parts.append(_label(label_width - 8, y + 18, name, label_width - 10))
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{max(length, 1)}" height="{row - 8}" '
            f'fill="{BLUE}" stroke="{BLUE}"><title>{escape(name)}: {value}</title></rect>'
        )
        parts.append(f'<text x="{label_width + length + 6}" y="{y + 18}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def columns(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> Markup:
    """Grouped columns (one group per category, its label on up to two lines), with a
    legend of swatches."""
    label_lines = [wrap(name, 56) for name in categories]
    widest = max((text_width(line) for lines in label_lines for line in lines), default=0)
    left, top_margin, plot_height = 40, 34, 180
    bottom = 12 + 16 * max((len(lines) for lines in label_lines), default=1)
    group = max(14 * len(series) + 12, round(widest) + 10)
    legend = left + sum(18 + text_width(s.name) + 20 for s in series)
    width = max(left + group * max(len(categories), 1) + 10, legend)
    height = top_margin + plot_height + bottom
    peak = max((v for s in series for v in s.values), default=0) or 1
    parts = _open(chart_id, width, height, title, description)
    parts += _patterns(chart_id, series)
    # legend
    x: float = left
    for index, s in enumerate(series):
        parts.append(
            f'<rect x="{x:.1f}" y="6" width="14" height="14" '
            f'fill="{_fill(chart_id, index, s)}" stroke="{s.colour}"/>'
            f'<text x="{x + 18:.1f}" y="18">{escape(s.name)}</text>'
        )
        x += 18 + text_width(s.name) + 20
    base = top_margin + plot_height
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="{GREY}"/>')
    for tick in sorted({0, peak // 2, peak}):
        y = base - plot_height * tick / peak
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{GREY}">{tick}</text>'
        )
    bars_width = 14 * len(series) - 2
    for ci, name in enumerate(categories):
        gx = left + ci * group + (group - bars_width) / 2
        for index, s in enumerate(series):
            value = s.values[ci]
            bar = plot_height * value / peak
            bx = gx + index * 14
            parts.append(
                f'<rect x="{bx:.1f}" y="{base - bar:.1f}" width="12" height="{max(bar, 0.5):.1f}" '
                f'fill="{_fill(chart_id, index, s)}" stroke="{s.colour}">'
                f"<title>{escape(name)} {escape(s.name)}: {value}</title></rect>"
            )
        middle = left + ci * group + group / 2
        lines = "".join(
            f'<tspan x="{middle:.1f}" dy="{0 if li == 0 else 16}">{escape(line)}</tspan>'
            for li, line in enumerate(label_lines[ci])
        )
        parts.append(
            f'<text y="{base + 18}" text-anchor="middle"><title>{escape(name)}</title>'
            f"{lines}</text>"
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
    link: Callable[[int, int], str] | None = None,
    header: int = 0,
) -> Markup:
    """A grid of cells shaded by count, every count written in its cell, the column
    names at a slant above. With ``link``, each cell leads to ``link(row, column)``
    (the chart is then a group of links, not an image). ``header``: the least height
    for the column names."""
    cell_w, cell_h, slant = 44, 32, 50
    names = [fit(name, 150) for name in cols]
    label_width = min(max((text_width(n) for n in rows), default=40), 160) + 14
    rise = max((text_width(n) for n in names), default=0) * 0.77 + 14
    header = max(round(rise), header)
    width = label_width + cell_w * max(len(cols), 1) + round(rise * 0.84) + 10
    height = header + cell_h * max(len(rows), 1) + 10
    peak = max((v for row in values for v in row), default=0) or 1
    role = "group" if link is not None else "img"
    parts = _open(chart_id, width, height, title, description, role)
    for ci, name in enumerate(cols):
        x = label_width + ci * cell_w + cell_w / 2
        parts.append(
            f'<text transform="translate({x:.1f},{header - 6}) rotate(-{slant})">'
            f"<title>{escape(name)}</title>{escape(names[ci])}</text>"
        )
    for ri, name in enumerate(rows):
        y = header + ri * cell_h
        parts.append(_label(label_width - 8, y + 21, name, label_width - 14))
        for ci, value in enumerate(values[ri]):
            level = 0 if value == 0 else 1 + min(int(4 * value / peak), 4)
            colour = HEAT[level]
            x = label_width + ci * cell_w
            ink = "#fff" if level >= 4 else "#000"
            what = f"{escape(name)} × {escape(cols[ci])}: {value}"
            cell = (
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{colour}" stroke="#bbb"><title>{what}</title></rect>'
                f'<text x="{x + cell_w / 2 - 1:.1f}" y="{y + 21}" text-anchor="middle" '
                f'fill="{ink}" aria-hidden="true">{value}</text>'
            )
            if link is not None:
                cell = (
                    f'<a class="cell-link" href="{escape(link(ri, ci))}" aria-label="{what}">'
                    f"{cell}</a>"
                )
            parts.append(cell)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
