"""The timeline charts as plain numbers for the templates: bars of one timeline, lines of its series.

The templates draw SVG from these (no JavaScript): every coordinate is in a viewBox of WIDTH x HEIGHT
units that CSS scales to the width of the page, so the chart fits a phone's screen.
"""
from __future__ import annotations

WIDTH, HEIGHT, TOP = 720.0, 90.0, 6.0
SERIES_CLASSES = 8  # .s0 ... .s7 in style.css: a colour and a dash pattern each


def bars(timeline: list, link=None) -> dict:
    """{width, height, bars: [{x, y, w, h, period, count, href}], first, last} for a timeline's bars."""
    n = len(timeline)
    top = max((c for _, c in timeline), default=0) or 1
    w = WIDTH / max(n, 1)
    out = []
    for i, (period, count) in enumerate(timeline):
        h = round((HEIGHT - TOP) * count / top, 2)
        out.append({"x": round(i * w, 2), "y": round(HEIGHT - h, 2), "w": round(max(w - 1, 0.5), 2),
                    "h": h if count else 0.0, "period": period, "count": count, "href": link(period) if link else None})
    return {"width": WIDTH, "height": HEIGHT, "slot": round(w, 2), "bars": out, "max": top,
            "first": timeline[0][0] if timeline else "", "last": timeline[-1][0] if timeline else ""}


def lines(timeline: list, series: tuple) -> dict:
    """{width, height, lines: [{value, cls, points, count, undated}], max} for the series of a timeline."""
    n = len(timeline)
    top = max((c for s in series for _, c in s.timeline), default=0) or 1
    w = WIDTH / max(n, 1)
    out = []
    for k, s in enumerate(series):
        pts = [(round(i * w + w / 2, 2), round(HEIGHT - (HEIGHT - TOP) * c / top, 2)) for i, (_, c) in enumerate(s.timeline)]
        if len(pts) == 1:  # one period: a short level line, so it shows
            pts = [(pts[0][0] - w / 4, pts[0][1]), (pts[0][0] + w / 4, pts[0][1])]
        out.append({"value": s.value, "cls": f"s{k % SERIES_CLASSES}", "count": s.count, "undated": s.undated,
                    "points": " ".join(f"{x},{y}" for x, y in pts)})
    return {"width": WIDTH, "height": HEIGHT, "lines": out, "max": top,
            "first": timeline[0][0] if timeline else "", "last": timeline[-1][0] if timeline else ""}
