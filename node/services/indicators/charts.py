"""Server-rendered SVG bar charts, one per series, each with the table a screen reader reads.

No JavaScript and no chart library: an `<svg role="img">` with a `<title>` and `<desc>` (its
accessible name and summary), one `<rect>` per value with its own `<title>`, and the same
numbers returned as table rows for the `<table>` printed beside it.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from node import i18n
from node.services.indicators.labels import INDICATOR_LABELS

WIDTH, HEIGHT, PAD = 640, 220, 30


def bar_chart(chart_id: str, title: str, points: list[tuple[str, int | None]], summary: str) -> Markup:
    """`None` is a value under the small-count rule: no bar, the label "< 3"."""
    top = max((value or 0 for _label, value in points), default=0) or 1
    slot = (WIDTH - 2 * PAD) / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        height = (HEIGHT - 2 * PAD) * (value or 0) / top
        shown = "&lt; 3" if value is None else str(value)
        x, y = PAD + index * slot + slot * 0.15, HEIGHT - PAD - height
        bars.append(
            f'<g><rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" fill="#2f6f5e">'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{shown}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - PAD + 14:.1f}" text-anchor="middle" font-size="10">'
            f"{escape(label)}</text></g>")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(summary)}</desc>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#555"/>'
        + "".join(bars) + "</svg>")


def charts_for(figures: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """For each available indicator: its monthly series, and its breakdowns by country and by space."""
    gettext = i18n.translations(lang).gettext
    out = []
    for item in figures:
        if not item.get("available"):
            continue
        name = gettext(INDICATOR_LABELS[item["indicator"]])
        series = [
            ("monthly", gettext("by month"), [(m["month"], m["value"]) for m in item["monthly"]]),
            ("country", gettext("by country"), [(_country_label(c, gettext), c.get("value"))
                                                for c in item["byCountry"]]),
        ]
        if "bySpace" in item:
            series.append(("space", gettext("by space"), [(s["name"], s["value"]) for s in item["bySpace"]]))
        for kind, caption, points in series:
            if not points:
                continue
            chart_id = f"chart-{item['indicator']}-{kind}"
            title = f"{name}, {caption}"
            summary = gettext("%(count)s values, total %(total)s.") % {"count": len(points), "total": item["total"]}
            out.append({"id": chart_id, "indicator": item["indicator"], "title": title,
                        "svg": bar_chart(chart_id, title, points, summary), "rows": _rows(points)})
    return out


def _country_label(entry: dict[str, Any], gettext: Any) -> str:
    """A network total notes the spaces whose figure for the country was "fewer than 3" (not in the sum)."""
    label = entry["country"] or gettext("unknown")
    if entry.get("hiddenSpaces"):
        label += " " + gettext("(+ %(count)s spaces with fewer than 3)") % {"count": entry["hiddenSpaces"]}
    return label


def _rows(points: list[tuple[str, int | None]]) -> list[tuple[str, str | None]]:
    """Table rows; a country under the small-count rule (None) reads "fewer than 3", not 0."""
    return [(label, None if value is None else str(value)) for label, value in points]
