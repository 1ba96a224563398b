"""Billing plans: how a client's handled minutes become money.

config.yaml's `billing_plans:` names each plan; a hotline points at one with
`billing: {plan: NAME}` (DESIGN.md, "Hotlines"):

    billing_plans:
      standard-2026:
        currency: PLN              # ISO 4217; amounts exact to its minor unit (HUF: whole forints)
        bills: talk                # talk: time with an agent (talk + agent hold); call: the whole call
        rounding: per-started-minute   # per call: per-second | per-started-minute
        monthly_fee: "200.00"      # a fixed fee per hotline and month
        included_minutes: 1000     # billed minutes the fee covers, per hotline and month
        rate_per_minute: "0.45"    # each billed minute beyond them (any precision; lines round half up)
        readiness_per_hour: "12.00"    # agents standing ready: per hour the hotline's hours are open

Amounts are quoted decimals (or YAML integers); a float that YAML would read
inexactly is refused rather than rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Mapping

from ..data.values import minor_unit
from ..errors import ConfigError


class Rounding(Enum):
    """How one call's billed time is rounded up (a started unit counts whole)."""

    PER_SECOND = "per-second"
    PER_STARTED_MINUTE = "per-started-minute"

    @property
    def unit_s(self) -> int:
        return {Rounding.PER_SECOND: 1, Rounding.PER_STARTED_MINUTE: 60}[self]


class BilledTime(Enum):
    """Which part of a call the plan charges for."""

    TALK = "talk"    # with an agent: talk + agent hold (handle_times), every queue of the call
    CALL = "call"    # answered to hang-up: IVR, queue wait and talk


@dataclass(frozen=True)
class BillingPlan:
    name: str
    currency: str
    bills: BilledTime = BilledTime.TALK
    rounding: Rounding = Rounding.PER_SECOND
    monthly_fee: Decimal = Decimal(0)          # currency units per hotline and month
    included_minutes: int = 0                  # per hotline and month
    rate_per_minute: Decimal = Decimal(0)      # currency units per billed minute beyond the included
    readiness_per_hour: Decimal = Decimal(0)   # currency units per open hour of the hotline's hours


PLAN_KEYS = ("currency", "bills", "rounding", "monthly_fee", "included_minutes", "rate_per_minute",
             "readiness_per_hour")
_AMOUNTS = ("monthly_fee", "rate_per_minute", "readiness_per_hour")


def plan_problems(spec: Any) -> list[tuple[str, str]]:
    """(field, message) for each wrong field of one plan's mapping; `ivr validate` puts
    each at its field's line. An empty list: `parse_plan` will accept it."""
    if not isinstance(spec, Mapping):
        return [("", "must be a mapping with currency, rounding and rates")]
    out = [(str(k), f"unknown field {k!r} (fields: {', '.join(PLAN_KEYS)})") for k in spec if k not in PLAN_KEYS]
    currency = spec.get("currency")
    if currency is None:
        out.append(("", "needs a currency (ISO 4217, e.g. PLN, HUF, EUR)"))
    elif not is_currency(currency):
        out.append(("currency", f"{currency!r} is not an ISO 4217 currency code (e.g. PLN, HUF, EUR)"))
    for key, enum in (("bills", BilledTime), ("rounding", Rounding)):
        if key in spec and spec[key] not in [e.value for e in enum]:
            out.append((key, f"{spec[key]!r} is not one of {', '.join(e.value for e in enum)}"))
    if "included_minutes" in spec:
        n = spec["included_minutes"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            out.append(("included_minutes", f"must be a whole number of minutes >= 0, not {n!r}"))
    for key in _AMOUNTS:
        if key in spec:
            try:
                value = _amount(spec[key])
            except ValueError as exc:
                out.append((key, str(exc)))
                continue
            # The fee is billed as written: a fraction of the minor unit would be rounded away.
            # Rates multiply minutes and hours, and may be finer (0.425 PLN a minute).
            if key == "monthly_fee" and is_currency(currency) and value != _money(value, currency):
                out.append((key, f"{spec[key]!r} is finer than {currency}'s smallest unit "
                                 f"({Decimal(1).scaleb(-minor_unit(currency))})"))
    return out


def is_currency(code: Any) -> bool:
    """An ISO 4217 code (CLDR's list, via babel): PLN, HUF, EUR, ..."""
    from babel.numbers import list_currencies
    return isinstance(code, str) and code in list_currencies()


def _money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_unit(currency)))


def parse_plan(name: str, spec: Mapping[str, Any], where: str = "") -> BillingPlan:
    """One plan; ConfigError naming `billing_plans.NAME.FIELD` on the first problem."""
    problems = plan_problems(spec)
    if problems:
        field, message = problems[0]
        raise ConfigError(f"billing_plans.{name}{'.' + field if field else ''}: {message}", where)
    return BillingPlan(
        name=name, currency=spec["currency"],
        bills=BilledTime(spec.get("bills", BilledTime.TALK.value)),
        rounding=Rounding(spec.get("rounding", Rounding.PER_SECOND.value)),
        included_minutes=int(spec.get("included_minutes", 0)),
        **{key: _amount(spec.get(key, 0)) for key in _AMOUNTS})


def load_plans(doc: Mapping[str, Any], where: str = "") -> dict[str, BillingPlan]:
    """Every plan of a config document's `billing_plans:` by name (empty without one)."""
    section = doc.get("billing_plans") or {}
    if not isinstance(section, Mapping):
        raise ConfigError("billing_plans: must be a mapping of plan name -> {currency, rounding, ...}", where)
    return {str(name): parse_plan(str(name), spec, where) for name, spec in section.items()}


def _amount(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"must be an amount like '12.50', not {raw!r}")
    if isinstance(raw, float):
        # YAML made a binary float of it: 0.1 would not be 0.1. Ask for the exact text.
        raise ValueError(f"quote the amount ('{raw}'): unquoted, YAML reads it as an inexact float")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount (use digits and a decimal point: '12.50')") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{raw!r} must be an amount >= 0")
    return value
