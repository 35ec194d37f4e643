"""Small SVG charts drawn on the server: no JavaScript, no library, readable without colour
(each chart has a title, and the page shows the same numbers as a table).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 220
PAD_LEFT = 36
PAD_BOTTOM = 24
PAD_TOP = 12
BAR_HEIGHT = 22


def _svg(title: str, width: int, height: int, body: list[str], kind: str = "") -> Markup:
    return Markup(  # noqa: S704  (every text put in is escaped above)
        f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def daily_bars(
    title: str, days: Sequence[date], per_day: dict[date, Counter[str]], series: Sequence[str]
) -> Markup:
    """Stacked bars, one per day, one colour (CSS class `s-<series>`) per series."""
    totals = [sum(per_day[day][s] for s in series) for day in days]
    top = max([*totals, 1])
    plot_w = WIDTH - PAD_LEFT - 4
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(days), 1)
    body = [
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 4}" '
        f'y2="{PAD_TOP + plot_h}"/>',
        f'<text class="tick" x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for index, day in enumerate(days):
        x = PAD_LEFT + index * step + step * 0.15
        y = float(PAD_TOP + plot_h)
        for name in series:
            value = per_day[day][name]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect class="s-{escape(name)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{step * 0.7:.1f}" height="{h:.1f}"><title>'
                f"{day:%d.%m}: {value}</title></rect>"
            )
        last = index == len(days) - 1
        if index % 5 == 0 or last:
            anchor = "end" if last else "middle"
            body.append(
                f'<text class="tick" x="{x + step * (0.7 if last else 0.35):.1f}" '
                f'y="{HEIGHT - 6}" text-anchor="{anchor}">{day:%d.%m}</text>'
            )
    return _svg(title, WIDTH, HEIGHT, body)


def share_bar(title: str, parts: Sequence[tuple[str, str, int]]) -> Markup:
    """One 100% bar split into (series, label, count) parts; the page lists the numbers."""
    total = sum(count for _, _, count in parts)
    body: list[str] = []
    x = 0.0
    for name, label, count in parts:
        if total and count:
            w = WIDTH * count / total
            body.append(
                f'<rect class="s-{escape(name)}" x="{x:.1f}" y="0" width="{w:.1f}" '
                f'height="{BAR_HEIGHT}"><title>{escape(label)}: {count}</title></rect>'
            )
            x += w
    if not total:
        body.append(f'<rect class="empty" x="0" y="0" width="{WIDTH}" height="{BAR_HEIGHT}"/>')
    return _svg(title, WIDTH, BAR_HEIGHT, body, kind="share")


def shares(parts: Sequence[tuple[str, str, int]]) -> list[tuple[str, str, int, str]]:
    """(series, label, count, percent) for the legend under a :func:`share_bar`."""
    total = sum(count for _, _, count in parts)
    return [
        (name, label, count, f"{100 * count / total:.0f}%" if total else "—")
        for name, label, count in parts
    ]


def horizontal_bars(title: str, items: Sequence[tuple[str, int]], series: str = "bar") -> Markup:
    """A bar per (label, count), longest first as given."""
    width = 480
    label_w = 190
    height = max(len(items), 1) * (BAR_HEIGHT + 8) + 4
    top = max([count for _, count in items] + [1])
    body: list[str] = []
    for index, (label, count) in enumerate(items):
        y = index * (BAR_HEIGHT + 8)
        w = (width - label_w - 40) * count / top
        body.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect class="s-{escape(series)}" x="{label_w}" y="{y}" width="{w:.1f}" '
            f'height="{BAR_HEIGHT}"/>'
            f'<text class="label" x="{label_w + w + 6:.1f}" y="{y + 16}">{count}</text>'
        )
    return _svg(title, width, height, body, kind="bars")
