"""The data package's queries: accounts, tariffs and billing rules.

What a call asks of the data (`DataSource`: who is calling, is this PIN
right, what do things cost today), returned as frozen views; synchronous,
the session driver runs it off the loop. And what `ivr data load` writes
(`upsert`): rows already checked by load.py, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from ..store.models import Account, AccountPhone, BillingRule, Tariff
from .pins import hash_pin, verify_pin


@dataclass(frozen=True)
class AccountView:
    number: str
    name: str
    language: str
    balance: Decimal
    currency: str
    due_date: date | None
    tariff: str

    def value(self, field: str) -> str | None:
        """`account.balance` and friends, as the text a `say` item speaks."""
        if field == "balance":
            return f"{self.balance} {self.currency}"
        if field == "due_date":
            return self.due_date.isoformat() if self.due_date else None
        if field == "number":
            return self.number
        return None


@dataclass(frozen=True)
class TariffView:
    name: str
    group: str
    price: Decimal
    currency: str
    unit: str


@dataclass(frozen=True)
class BillingRuleView:
    name: str
    language: str
    prompt: str


def _view(a: Account) -> AccountView:
    return AccountView(a.number, a.name, a.language, a.balance, a.currency, a.due_date, a.tariff)


# A hash no PIN was ever given: checking against it costs what a real check costs.
_DUMMY_HASH = hash_pin("0000")


class DataSource:
    """Accounts, tariffs and billing rules for calls. `read_only` (ivr simulate)
    checks PINs without counting failures: a rehearsal must not lock a real account."""

    def __init__(self, engine: Engine, lock_after: int = 3, lock_minutes: float = 15, read_only: bool = False):
        self.engine, self.lock_after, self.lock_for = engine, lock_after, timedelta(minutes=lock_minutes)
        self.read_only = read_only

    def by_caller_id(self, caller_id: str) -> AccountView | None:
        phone = caller_id.strip().lstrip("+")
        if not phone:
            return None
        with Session(self.engine) as s:
            row = s.scalars(select(AccountPhone).options(selectinload(AccountPhone.account))
                            .where(AccountPhone.phone == phone)).first()
            return _view(row.account) if row else None

    def verify(self, number: str, pin: str, now: datetime) -> AccountView | None:
        """The account if number and PIN match and it is not locked. Wrong PINs
        count across calls; `lock_after` of them lock it for `lock_minutes`.

        The attempt is counted by an UPDATE before the PIN is checked, in the
        same transaction: parallel calls guessing one account queue behind that
        row's write lock (SQLite too), so none slips past the count. Unknown and
        locked accounts still pay for one scrypt: the answer's delay must not
        tell them apart from a wrong PIN."""
        with Session(self.engine) as s, s.begin():
            if self.read_only:
                acc = s.scalars(select(Account).where(Account.number == number)).first()
                open_ = acc is not None and not (acc.locked_until and acc.locked_until > now)
                ok = verify_pin(pin, acc.pin_hash if open_ else _DUMMY_HASH) and open_
                return _view(acc) if ok else None
            counted = s.execute(update(Account).where(Account.number == number,
                                                      or_(Account.locked_until.is_(None), Account.locked_until <= now))
                                .values(failed_pins=Account.failed_pins + 1)
                                .returning(Account.id, Account.pin_hash, Account.failed_pins)).first()
            if counted is None:   # unknown or locked: the same answer, after the same work
                verify_pin(pin, _DUMMY_HASH)
                return None
            acc = s.get(Account, counted.id, populate_existing=True)
            if verify_pin(pin, counted.pin_hash):
                acc.failed_pins, acc.locked_until = 0, None
                return _view(acc)
            if counted.failed_pins >= self.lock_after:
                acc.locked_until, acc.failed_pins = now + self.lock_for, 0
            return None

    def tariffs(self, on: date) -> list[TariffView]:
        with Session(self.engine) as s:
            rows = s.scalars(select(Tariff).where(Tariff.valid_from <= on,
                                                  or_(Tariff.valid_to.is_(None), Tariff.valid_to >= on))
                             .order_by(Tariff.group, Tariff.price, Tariff.name))
            return [TariffView(t.name, t.group, t.price, t.currency, t.unit) for t in rows]

    def tariff_periods(self) -> list[tuple[date, date | None, TariffView]]:
        """Every tariff with the days it is in force (valid_from, valid_to or None), in the
        order `tariffs` gives them: what the cache needs to answer for any day."""
        with Session(self.engine) as s:
            rows = s.scalars(select(Tariff).order_by(Tariff.group, Tariff.price, Tariff.name))
            return [(t.valid_from, t.valid_to, TariffView(t.name, t.group, t.price, t.currency, t.unit))
                    for t in rows]

    def tariffs_from(self, on: date) -> list[TariffView]:
        """Tariffs in force on `on` or later (a future price too), by name and start date."""
        with Session(self.engine) as s:
            rows = s.scalars(select(Tariff).where(or_(Tariff.valid_to.is_(None), Tariff.valid_to >= on))
                             .order_by(Tariff.name, Tariff.valid_from))
            return [TariffView(t.name, t.group, t.price, t.currency, t.unit) for t in rows]

    def all_billing_rules(self) -> list[BillingRuleView]:
        """Every billing rule of every language, in the order they are spoken."""
        with Session(self.engine) as s:
            rows = s.scalars(select(BillingRule).order_by(BillingRule.position, BillingRule.name))
            return [BillingRuleView(r.name, r.language, r.prompt) for r in rows]

    def billing_rules(self, language: str) -> list[str]:
        with Session(self.engine) as s:
            return list(s.scalars(select(BillingRule.prompt).where(BillingRule.language == language)
                                  .order_by(BillingRule.position, BillingRule.name)))

    def request_callback(self, unique_id: str, caller_id: str, account: str, language: str, queue: str,
                         at: datetime) -> int | None:
        """Store a callback request; None in read-only mode (a rehearsal calls nobody back)."""
        if self.read_only:
            return None
        from ..queues.store import request_callback
        return request_callback(self.engine, unique_id, caller_id, account, language, queue, at)


# ---- `ivr data load`: the checked rows into the tables ----

def _set_phones(s: Session, acc: Account, phones: list[str]) -> None:
    # Deletes are flushed before inserts: a file loaded again, or a number that
    # moves to another account, must not collide with the row it replaces.
    want = list(dict.fromkeys(phones))
    for ph in list(acc.phones):
        if ph.phone not in want:
            acc.phones.remove(ph)
    s.flush()
    have = {ph.phone for ph in acc.phones}
    for phone in want:
        if phone in have:
            continue
        taken = s.scalars(select(AccountPhone).where(AccountPhone.phone == phone)).first()
        if taken is not None:
            s.delete(taken)
            s.flush()
        acc.phones.append(AccountPhone(phone=phone))


def upsert(engine: Engine, accounts: list[dict[str, Any]], tariffs: list[dict[str, Any]],
           billing_rules: list[dict[str, Any]]) -> None:
    """Write rows checked by `load.check_file` in one transaction. Accounts are keyed
    by number, tariffs by (name, valid_from), rules by (name, language): a row
    already stored is updated."""
    with Session(engine) as s, s.begin():
        for a in accounts:
            acc = s.scalars(select(Account).where(Account.number == a["number"])).first()
            if acc is None:
                acc = Account(number=a["number"])
                s.add(acc)
            # Loading prices again must not unlock an account under a PIN-guessing
            # attack: only a new PIN starts its count afresh.
            if not acc.pin_hash or not verify_pin(a["pin"], acc.pin_hash):
                acc.pin_hash = hash_pin(a["pin"])
                acc.failed_pins, acc.locked_until = 0, None
            for f in ("name", "language", "balance", "currency", "due_date", "tariff"):
                if f in a:
                    setattr(acc, f, a[f])
            if "caller_ids" in a:
                _set_phones(s, acc, a["caller_ids"])
        for t in tariffs:
            row = s.scalars(select(Tariff).where(Tariff.name == t["name"], Tariff.valid_from == t["valid_from"])).first()
            if row is None:
                row = Tariff(name=t["name"], valid_from=t["valid_from"])
                s.add(row)
            for f in ("group", "price", "currency", "unit", "valid_to"):
                if f in t:
                    setattr(row, f, t[f])
        for r in billing_rules:
            row = s.scalars(select(BillingRule).where(BillingRule.name == r["name"],
                                                      BillingRule.language == r["language"])).first()
            if row is None:
                row = BillingRule(name=r["name"], language=r["language"])
                s.add(row)
            row.prompt, row.position = r["prompt"], r.get("position", 0)
