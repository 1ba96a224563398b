"""Rendering report rows (frozen dataclasses) as table, JSON, CSV or PNG.

`meta` carries report-wide figures (the funnel's containment): JSON puts them
beside "rows", the table prints them under it, CSV (one table) leaves them
out, and the PNG shows them in its title.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import astuple, fields
from pathlib import Path

FORMATS = ("table", "json", "csv", "png")


def render(rows: list, fmt: str, out_path: str | Path | None = None, *,
           meta: dict | None = None, title: str = "") -> str:
    """Text for table/json/csv; for png, write out_path and say so."""
    meta = meta or {}
    if fmt == "table":
        return _table(rows, meta)
    if fmt == "json":
        return json.dumps({"rows": [_record(r) for r in rows], **_rounded(meta)}, indent=2)
    if fmt == "csv":
        return _csv(rows)
    if fmt == "png":
        if out_path is None:
            raise ValueError("png output needs a file path")
        _png(rows, Path(out_path), meta, title)
        return f"chart written: {out_path}"
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def deliver(text: str, output: Path | None) -> None:
    """A rendered report to `output` (then a line saying so) or to stdout."""
    if output is not None:
        Path(output).write_text(text + "\n")
        text = f"report written: {output}"
    print(text)


def _rounded(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _record(row) -> dict:
    return {f.name: _rounded(getattr(row, f.name)) for f in fields(row)}


def cell(value) -> str:
    """One value as a table shows it (the console's dashboard too): None is "-", floats to 3 places."""
    if value is None:
        return "-"
    return str(round(value, 3)) if isinstance(value, float) else str(value)


def _table(rows: list, meta: dict) -> str:
    if not rows:
        lines = ["(no rows)"]
    else:
        names = [f.name for f in fields(rows[0])]
        cells = [[cell(v) for v in astuple(r)] for r in rows]
        widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
        # Text left, numbers right, so that digits line up.
        left = [isinstance(v, str) for v in astuple(rows[0])]
        def line(values):
            return "  ".join(v.ljust(w) if l else v.rjust(w) for v, w, l in zip(values, widths, left)).rstrip()
        lines = [line([n.upper() for n in names])] + [line(c) for c in cells]
    lines += [f"{k}: {cell(v)}" for k, v in meta.items()]
    return "\n".join(lines)


def _csv(rows: list) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if rows:
        writer.writerow([f.name for f in fields(rows[0])])
        for r in rows:
            writer.writerow(["" if v is None else _rounded(v) for v in astuple(r)])
    return buf.getvalue()


def _png(rows: list, path: Path, meta: dict, title: str) -> None:
    # The Figure API with the Agg canvas: no pyplot global state, no display needed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 5.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    kind = type(rows[0]).__name__ if rows else ""
    if kind == "HandleTimeRowStat":
        _handle_time_chart(ax, [r for r in rows if r.key != "total"])
    elif rows:
        label_fields = [f.name for f in fields(rows[0]) if isinstance(getattr(rows[0], f.name), str)]
        # A count of calls beside minutes would share one axis in two units: leave it to the table.
        series = [f.name for f in fields(rows[0]) if f.name not in label_fields and f.name != "calls"]
        labels = [" ".join(getattr(r, n) for n in label_fields) for r in rows]
        _bars(ax, labels, {s: [getattr(r, s) or 0 for r in rows] for s in series})
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    extra = ", ".join(f"{k} {cell(v)}" for k, v in meta.items())
    fig.suptitle(" · ".join(t for t in (title, extra) if t))
    fig.savefig(path, format="png", dpi=100)


def _bars(ax, labels: list[str], series: dict[str, list[float]]) -> None:
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=name)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], labels,
                  rotation=30 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
    ax.set_ylim(top=max([1, *(v for vs in series.values() for v in vs)]) * 1.25)  # room for the legend
    ax.legend(loc="upper right", ncols=len(series))


def _handle_time_chart(ax, rows: list) -> None:
    labels = [r.key for r in rows]
    _bars(ax, labels, {"answered": [r.answered for r in rows], "abandoned": [r.abandoned for r in rows]})
    ax.set_ylabel("calls")
    asa = ax.twinx()
    # Groups with no answered call have no ASA: leave a gap, not a false zero.
    # x + 0.2: the middle of the two bars (each 0.4 wide) of a group.
    asa.plot([x + 0.2 for x in range(len(rows))], [r.asa_s if r.asa_s is not None else float("nan") for r in rows],
             color="black", marker="o", label="ASA (s)")
    asa.set_ylabel("ASA (s)")
    asa.set_ylim(0, max([1.0, *(r.asa_s or 0 for r in rows)]) * 1.25)
    handles, names = ax.get_legend_handles_labels()
    more, more_names = asa.get_legend_handles_labels()
    ax.get_legend().remove()
    asa.legend(handles + more, names + more_names, loc="upper right", ncols=3)
