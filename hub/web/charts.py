"""Charts for pages, drawn by the server as SVG shapes (no JavaScript library, no CDN:
government intranets are often offline). ``bar_chart`` gives the template what to draw."""

from __future__ import annotations

from decimal import Decimal

CHART_PLOT_HEIGHT = 180
CHART_TOP = 16
CHART_LEFT = 84
CHART_BOTTOM = 78
CHART_BAR = 16
CHART_BAR_GAP = 3
CHART_GROUP_GAP = 22


def _nice_ceiling(peak: float) -> float:
    """The chart's top line: four gridline steps of 1, 2 or 5 × 10ⁿ (at least 1, so counts
    get whole-number lines) that reach ``peak``."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * 4 >= peak:
                return step * magnitude * 4
        magnitude *= 10


def _tick_label(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _coordinate(value: float) -> str:
    # Drawn as written: never localized (a decimal comma would break the SVG).
    return f"{value:.1f}"


def bar_chart(rows: list[dict], series: list[tuple[str, str]], labels: list[str], *, scale: float = 1) -> dict | None:
    """A grouped bar chart as shapes for the template to draw in SVG: one group per row,
    one bar per series (``(field, label)``), values divided by ``scale``."""
    if not rows:
        return None
    values = [[float(Decimal(str(row[field] or 0))) / scale for field, _label in series] for row in rows]
    top = _nice_ceiling(max(value for group in values for value in group))
    group_width = len(series) * CHART_BAR + (len(series) - 1) * CHART_BAR_GAP
    width = CHART_LEFT + len(rows) * (group_width + CHART_GROUP_GAP) + CHART_GROUP_GAP
    baseline = CHART_TOP + CHART_PLOT_HEIGHT
    bars, keys = [], []
    for index, (group, label) in enumerate(zip(values, labels, strict=True)):
        left = CHART_LEFT + CHART_GROUP_GAP + index * (group_width + CHART_GROUP_GAP)
        for position, value in enumerate(group):
            height = value / top * CHART_PLOT_HEIGHT
            x = left + position * (CHART_BAR + CHART_BAR_GAP)
            bars.append(
                {
                    "x": _coordinate(x),
                    "y": _coordinate(baseline - height),
                    "width": _coordinate(CHART_BAR),
                    "height": _coordinate(height),
                    "series": position,
                    "value": _tick_label(value),
                    "text_x": _coordinate(x + CHART_BAR / 2),
                    "text_y": _coordinate(baseline - height - 3),
                    "title": f"{label} · {series[position][1]}: {_tick_label(value)}",
                }
            )
        keys.append({"x": _coordinate(left + group_width / 2), "y": _coordinate(baseline + 14), "text": label})
    ticks = [
        {"y": _coordinate(baseline - CHART_PLOT_HEIGHT * step / 4), "label": _tick_label(top * step / 4)}
        for step in range(5)
    ]
    return {
        "width": _coordinate(width),
        "height": _coordinate(baseline + CHART_BOTTOM),
        "left": _coordinate(CHART_LEFT),
        "tick_x": _coordinate(CHART_LEFT - 6),
        "right": _coordinate(width - CHART_GROUP_GAP / 2),
        "baseline": _coordinate(baseline),
        "bars": bars,
        "keys": keys,
        "ticks": ticks,
        "series": [{"index": index, "label": label} for index, (_field, label) in enumerate(series)],
    }
