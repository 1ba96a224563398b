"""A client's bill as a table, JSON, the CSV annex or a printable HTML annex.

The CSV is the annex alone, one row per call a client can check against
their own records; the HTML (PDF-ready: print it from a browser, A4, rows
never split) has the bill's lines, the totals and the same annex. Both are
written row by row, so a month of any size streams to the file.

Seconds in the annex are written to the millisecond; amounts and minutes as
their exact decimals (ivr/billing/invoice.py says how each is rounded).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, fields
from decimal import Decimal
from html import escape
from typing import Iterable, TextIO

from ..reports.output import render
from .invoice import AnnexCall, ClientBill, HotlineBill

ANNEX_COLUMNS = ("hotline", "unique_id", "started", "caller_id", "called",
                 "call_s", "ivr_s", "wait_s", "talk_s", "billed_s")
_LINE_HEADINGS = {"hotline": "Hotline", "plan": "Plan", "calls": "Calls", "ivr_min": "IVR min",
                  "wait_min": "Wait min", "talk_min": "Talk min", "billed_min": "Billed min",
                  "included_min": "Included min", "overage_min": "Overage min", "overage": "Overage",
                  "readiness_h": "Ready h", "readiness": "Readiness", "monthly_fee": "Monthly fee",
                  "total": "Total", "currency": "Currency"}


def _seconds(ms: int) -> str:
    return str(Decimal(ms).scaleb(-3))


def annex_row(call: AnnexCall) -> list[str]:
    u = call.usage
    return [call.hotline, u.unique_id, call.started_local.isoformat(timespec="seconds"), u.caller_id, u.called,
            _seconds(u.call_ms), _seconds(u.ivr_ms), _seconds(u.wait_ms), _seconds(u.talk_ms), str(u.billed_s)]


def _totals(bill: ClientBill) -> str:
    return ", ".join(f"{amount} {currency}" for currency, amount in bill.totals) or "no amounts"


def table(bill: ClientBill) -> str:
    meta = {"client": bill.client, "month": bill.month, "total": _totals(bill)}
    if bill.unpriced:
        meta["unpriced"] = f"{', '.join(bill.unpriced)} (no billing plan: minutes only)"
    zones = ", ".join(sorted({f"{line.hotline} {line.timezone}" for line in bill.lines}))
    meta["months in"] = zones
    return render(list(bill.lines), "table", meta=meta)


def to_json(bill: ClientBill) -> str:
    doc = {"client": bill.client, "month": bill.month, "lines": [asdict(line) for line in bill.lines],
           "totals": {currency: amount for currency, amount in bill.totals}, "unpriced": list(bill.unpriced)}
    return json.dumps(doc, indent=2, default=str, ensure_ascii=False)


def write_csv(calls: Iterable[AnnexCall], out: TextIO) -> int:
    """The annex as CSV (header, then a row per call); the number of calls written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ANNEX_COLUMNS)
    n = 0
    for n, call in enumerate(calls, 1):
        writer.writerow(annex_row(call))
    return n


_STYLE = """
body{font-family:sans-serif;font-size:10pt;margin:1.5em}
table{border-collapse:collapse;margin:0.8em 0}
th,td{border:1px solid #999;padding:2px 6px}
td.n{text-align:right;font-variant-numeric:tabular-nums}
thead{display:table-header-group}
tr{page-break-inside:avoid}
@page{size:A4 landscape;margin:12mm}
"""


def write_html(bill: ClientBill, calls: Iterable[AnnexCall], out: TextIO) -> int:
    """The printable bill and annex; the number of calls written."""
    def cells(values, numeric) -> str:
        return "".join(f'<td class="n">{escape(v)}</td>' if n else f"<td>{escape(v)}</td>"
                       for v, n in zip(values, numeric))
    title = f"Bill annex: {bill.client}, {bill.month}"
    out.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
              f"<style>{_STYLE}</style></head><body>\n<h1>{escape(title)}</h1>\n")
    names = [f.name for f in fields(HotlineBill) if f.name in _LINE_HEADINGS]
    out.write("<h2>Hotlines</h2>\n<table><thead><tr>"
              + "".join(f"<th>{_LINE_HEADINGS[n]}</th>" for n in names) + "</tr></thead><tbody>\n")
    for line in bill.lines:
        values = [getattr(line, n) for n in names]
        out.write("<tr>" + cells([str(v) if v != "" else "-" for v in values],
                                 [not isinstance(v, str) for v in values]) + "</tr>\n")
    out.write("</tbody></table>\n")
    out.write(f"<p><strong>Total: {escape(_totals(bill))}</strong></p>\n")
    if bill.unpriced:
        out.write(f"<p>No billing plan (minutes only): {escape(', '.join(bill.unpriced))}</p>\n")
    zones = "; ".join(f"{line.hotline}: {line.timezone}" for line in bill.lines)
    out.write(f"<p>Each hotline's month and call times in its local time ({escape(zones)}). Minutes are "
              "rounded to 0.01 min; billed time is rounded per call as the plan says.</p>\n")
    out.write("<h2>Calls</h2>\n<table><thead><tr>" + "".join(f"<th>{c}</th>" for c in ANNEX_COLUMNS)
              + "</tr></thead><tbody>\n")
    numeric = [c.endswith("_s") for c in ANNEX_COLUMNS]
    n = 0
    for n, call in enumerate(calls, 1):
        out.write("<tr>" + cells(annex_row(call), numeric) + "</tr>\n")
    out.write(f"</tbody></table>\n<p>{n} calls.</p>\n</body></html>\n")
    return n
