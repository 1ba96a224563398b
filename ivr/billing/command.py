"""`ivr report billing --client C --month YYYY-MM [--hotline H]`: a client's bill.

`--format table` (the lines and totals), `json`, `csv` (the call-by-call
annex) or `html` (bill and annex, printable); `-o FILE` writes it there.
`--month` without `--client`: one line per client and currency, every client
of the config and of the month's calls.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterator, TextIO

from ..errors import IVRError


@dataclass(frozen=True)
class ClientTotal:
    client: str
    hotlines: int
    calls: int
    billed_min: Decimal
    total: Decimal | None
    currency: str


def cmd_billing(args) -> int:
    from ..cli_support import database, load, usage
    from .invoice import Month, annex, client_bill
    from .plans import load_plans
    from ..reports.output import deliver
    from .render import table, to_json, write_csv, write_html
    if args.since or args.until:
        usage("a bill is for --month YYYY-MM; leave out --since/--until")
    if args.format == "png":
        usage("the bill has no chart: --format table, json, csv (the annex) or html")
    if args.queue is not None or args.by is not None:
        usage("--queue and --by apply to handle-times, not billing")
    hotline = getattr(args, "hotline", None)
    if args.month is None:
        usage("a client's bill needs --month YYYY-MM")
    if hotline and not args.client:
        usage("--hotline needs --client (the bill is the client's)")
    if args.format == "html" and not args.client:
        usage("--format html is a client's annex: give --client")
    month = Month.parse(args.month)
    loaded = load(args)
    plans = load_plans(loaded.settings.raw, str(loaded.settings.path))
    with database(loaded.settings, must_exist=True) as engine:
        if not args.client:
            rows = _every_client(engine, loaded.hotlines, plans, month)
            if args.format == "json":   # amounts as exact decimal strings
                text = json.dumps({"month": str(month), "rows": [asdict(r) for r in rows]}, indent=2, default=str)
            else:
                from ..reports.output import render
                text = render(rows, args.format)
            deliver(text, args.output)
            return 0
        bill = client_bill(engine, loaded.hotlines, plans, args.client, month, hotline)
        if args.format == "table":
            deliver(table(bill), args.output)
        elif args.format == "json":
            deliver(to_json(bill), args.output)
        else:
            with _opened(args.output) as out:
                write = write_csv if args.format == "csv" else (lambda calls, o: write_html(bill, calls, o))
                n = write(annex(engine, bill, plans), out)
            if args.output is not None:
                print(f"bill annex written: {args.output} ({n} calls)")
    return 0


def _every_client(engine, hotlines, plans, month) -> list[ClientTotal]:
    from .invoice import client_bill, wide_bounds
    from .store import clients
    names = sorted({h.client for h in hotlines.by_name.values() if h.client}
                   | set(clients(engine, *wide_bounds(month))))
    rows = []
    for name in names:
        bill = client_bill(engine, hotlines, plans, name, month)
        for currency in sorted({line.currency for line in bill.lines}):   # "": hotlines with no plan
            lines = [line for line in bill.lines if line.currency == currency]
            rows.append(ClientTotal(name, len(lines), sum(line.calls for line in lines),
                                    sum((line.billed_min for line in lines), Decimal(0)),
                                    dict(bill.totals).get(currency), currency))
    return rows


@contextmanager
def _opened(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as f:
            yield f
    except OSError as exc:
        raise IVRError(f"cannot write {output}: {exc.strerror}") from None
