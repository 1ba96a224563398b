"""A client's bill for a month: each hotline's handled minutes, its plan applied.

Per hotline of the client (those config.yaml gives the client, and any the
client's stored calls went to), over the calls that started in the month of
the hotline's own time zone (its `hours:`; UTC without), ended calls only:

- minutes: IVR, queue wait and talk (ivr/billing/store.py defines each),
  shown to 0.01 min, rounded half up from whole milliseconds;
- billed: the plan's billed time (talk, or the whole call) rounded up per
  call to the plan's unit (per second, per started minute);
- overage = max(0, billed - included minutes) x rate per minute;
- readiness = the hours the hotline's `hours:` are open in the month
  (holidays left out; DST counted as elapsed; no hours: every hour of the
  month) x the readiness rate;
- total = monthly fee + overage + readiness. Each amount is rounded half up
  to the currency's minor unit (ISO 4217: PLN 0.01, HUF 1) where it is made,
  and the total adds the rounded amounts, so the printed lines add up.

A hotline with calls but no plan (or a plan the config no longer has) gets
its minutes and no amounts; `ClientBill.unpriced` names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from ..data.values import minor_unit
from ..errors import IVRError
from ..hotlines.model import Hotline, Hotlines
from .plans import BillingPlan
from .store import CallUsage, call_usage, client_hotlines, month_usage

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_CENT_MIN = Decimal("0.01")


@dataclass(frozen=True)
class Month:
    """A calendar month, "YYYY-MM"."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """IVRError (exit 1) unless `text` is YYYY-MM."""
        m = _MONTH.fullmatch(text.strip())
        if not m:
            raise IVRError(f"--month {text!r}: use YYYY-MM, e.g. 2026-11")
        if not 1 < int(m[1]) < 9999:   # its bounds in any zone must be dates Python can hold
            raise IVRError(f"--month {text!r}: out of range (years 0002 to 9998)")
        return cls(int(m[1]), int(m[2]))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first(self) -> date:
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) of the month in zone `tz`, as aware UTC datetimes."""
        zone = ZoneInfo(tz)
        return tuple(datetime.combine(d, datetime.min.time(), zone).astimezone(timezone.utc)  # type: ignore[return-value]
                     for d in (self.first, self.next_first))


@dataclass(frozen=True)
class HotlineBill:
    """One line of the bill. Minutes to 0.01; amounts in the currency's minor unit."""

    hotline: str
    plan: str                 # "" when unpriced
    currency: str             # "" when unpriced
    timezone: str
    calls: int
    ivr_min: Decimal
    wait_min: Decimal
    talk_min: Decimal
    billed_min: Decimal       # after per-call rounding
    included_min: int
    overage_min: Decimal
    overage: Decimal
    readiness_h: Decimal
    readiness: Decimal
    monthly_fee: Decimal
    total: Decimal


@dataclass(frozen=True)
class ClientBill:
    client: str
    month: str
    lines: tuple[HotlineBill, ...]
    totals: tuple[tuple[str, Decimal], ...]    # (currency, amount), one per currency of the lines
    unpriced: tuple[str, ...]                  # hotlines with no plan: minutes, no amounts


@dataclass(frozen=True)
class AnnexCall:
    """One call of the annex, its start in the hotline's local time."""

    hotline: str
    started_local: datetime
    usage: CallUsage


def _minutes(ms: int) -> Decimal:
    return (Decimal(ms) / 60000).quantize(_CENT_MIN, ROUND_HALF_UP)


def _money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_unit(currency)), ROUND_HALF_UP)


def open_seconds(hotline: Hotline | None, month: Month) -> int:
    """Seconds the hotline's office hours are open in its local month (all of it without hours)."""
    office = hotline.menu.office if hotline is not None else None
    if office is None:
        start, end = month.bounds(hotline.menu.timezone if hotline is not None else "UTC")
        return int((end - start).total_seconds())
    return office.open_seconds(month.first, month.next_first)


def _basis(plan: BillingPlan | None) -> tuple[str, int]:
    """What a plan bills and its rounding unit in seconds; without a plan, talk to the second."""
    return (plan.bills.value, plan.rounding.unit_s) if plan else ("talk", 1)


def _line(engine: Engine, client: str, name: str, hotline: Hotline | None,
          plan: BillingPlan | None, month: Month) -> HotlineBill:
    tz = hotline.menu.timezone if hotline is not None else "UTC"
    u = month_usage(engine, client, name, *month.bounds(tz), *_basis(plan))
    over_s = ready_s = 0
    overage = readiness = fee = Decimal(0)
    if plan is not None:   # unpriced: minutes only, every amount 0
        over_s = max(0, u.billed_s - plan.included_minutes * 60)
        ready_s = open_seconds(hotline, month)
        overage = _money(Decimal(over_s) * plan.rate_per_minute / 60, plan.currency)
        readiness = _money(Decimal(ready_s) * plan.readiness_per_hour / 3600, plan.currency)
        fee = _money(plan.monthly_fee, plan.currency)
    return HotlineBill(name, plan.name if plan else "", plan.currency if plan else "", tz, u.calls,
                       _minutes(u.ivr_ms), _minutes(u.wait_ms), _minutes(u.talk_ms),
                       (Decimal(u.billed_s) / 60).quantize(_CENT_MIN), plan.included_minutes if plan else 0,
                       (Decimal(over_s) / 60).quantize(_CENT_MIN), overage,
                       (Decimal(ready_s) / 3600).quantize(_CENT_MIN), readiness, fee, fee + overage + readiness)


def wide_bounds(month: Month) -> tuple[datetime, datetime]:
    """UTC bounds that hold the month in every time zone (UTC's, a day wider each side)."""
    start, end = month.bounds("UTC")
    return start - timedelta(days=1), end + timedelta(days=1)


def client_bill(engine: Engine, hotlines: Hotlines, plans: Mapping[str, BillingPlan], client: str,
                month: Month, only: str | None = None) -> ClientBill:
    """The bill of `client` for `month` (only hotline `only` if given).

    IVRError (exit 1) when the client has no hotline in the config and no calls in the
    month, or `only` is not one of the client's hotlines; either names what there is."""
    configured = {h.name: h for h in hotlines.by_name.values() if h.client == client}
    names = sorted(set(configured) | set(client_hotlines(engine, client, *wide_bounds(month))))
    if not names:
        known = sorted({h.client for h in hotlines.by_name.values() if h.client})
        raise IVRError(f"no hotline of client {client!r} in the config and no calls of it in {month} "
                       f"(clients in the config: {', '.join(known) or 'none'})")
    if only is not None:
        if only not in names:
            known = "is another client's" if only in hotlines.by_name else "is no hotline of the config or the calls"
            raise IVRError(f"--hotline {only!r} {known}; client {client!r} has: {', '.join(names)}")
        names = [only]
    lines = []
    for name in names:
        hotline = configured.get(name)
        ref = hotline.billing if hotline is not None else None
        lines.append(_line(engine, client, name, hotline, plans.get(ref.plan) if ref else None, month))
    totals: dict[str, Decimal] = {}
    for line in lines:
        if line.currency:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.total
    return ClientBill(client, str(month), tuple(lines), tuple(sorted(totals.items())),
                      tuple(line.hotline for line in lines if not line.plan))


def annex(engine: Engine, bill: ClientBill, plans: Mapping[str, BillingPlan]) -> Iterator[AnnexCall]:
    """The bill's calls one by one, hotline by hotline, oldest first (streamed)."""
    month = Month.parse(bill.month)
    for line in bill.lines:
        plan = plans.get(line.plan)
        start, end = month.bounds(line.timezone)
        zone = ZoneInfo(line.timezone)
        for call in call_usage(engine, bill.client, line.hotline, start, end, *_basis(plan)):
            yield AnnexCall(line.hotline, call.started_at.astimezone(zone), call)
