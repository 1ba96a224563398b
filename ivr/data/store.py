"""The data package's queries: accounts, tariffs and billing rules.

What a call asks of the data (`DataSource`: who is calling, is this PIN
right, what do things cost today), returned as frozen views; synchronous,
the session driver runs it off the loop. And what `ivr data load` writes
(`upsert`): rows already checked by load.py, all in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from ..store.models import Account, AccountPhone, BillingRule, Tariff
from .pins import hash_pin, verify_pin
from .views import AccountView, BillingRuleView, TariffView


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
#
# Rows are staged in temporary tables (COPY on PostgreSQL, executemany on
# SQLite, in batches of BATCH rows: memory stays flat) and merged by a few
# set-based statements, all in one transaction: an UPDATE ... FROM of the
# keys already stored, then an INSERT of the others. A field the file does
# not give (NULL in the stage) keeps the stored value.

BATCH = 10_000

_STAGES = {
    "accounts": ("ivr_stage_accounts", [
        ("line", "integer"), ("number", "varchar(32)"), ("pin_hash", "varchar(256)"), ("name", "varchar(128)"),
        ("language", "varchar(8)"), ("balance", "numeric(12, 2)"), ("currency", "varchar(3)"),
        ("due_date", "date"), ("tariff", "varchar(64)"), ("has_phones", "boolean")]),
    "phones": ("ivr_stage_phones", [("line", "integer"), ("number", "varchar(32)"), ("phone", "varchar(32)")]),
    "tariffs": ("ivr_stage_tariffs", [
        ("line", "integer"), ("name", "varchar(64)"), ("group", "varchar(64)"), ("price", "numeric(12, 2)"),
        ("currency", "varchar(3)"), ("unit", "varchar(16)"), ("valid_from", "date"), ("valid_to", "date")]),
    "billing_rules": ("ivr_stage_rules", [
        ("line", "integer"), ("name", "varchar(64)"), ("language", "varchar(8)"), ("prompt", "varchar(128)"),
        ("position", "integer")]),
}

_MERGE = [
    # accounts: a new PIN (pin_hash given) starts the failure count afresh; the
    # same PIN again keeps a lock (a price reload must not unlock an attacked account).
    """UPDATE accounts SET pin_hash = COALESCE(s.pin_hash, accounts.pin_hash),
        failed_pins = CASE WHEN s.pin_hash IS NULL THEN accounts.failed_pins ELSE 0 END,
        locked_until = CASE WHEN s.pin_hash IS NULL THEN accounts.locked_until ELSE NULL END,
        name = COALESCE(s.name, accounts.name), language = COALESCE(s.language, accounts.language),
        balance = COALESCE(s.balance, accounts.balance), currency = s.currency,
        due_date = COALESCE(s.due_date, accounts.due_date), tariff = COALESCE(s.tariff, accounts.tariff)
       FROM ivr_stage_accounts s WHERE accounts.number = s.number""",
    """INSERT INTO accounts (number, pin_hash, name, language, balance, currency, due_date, tariff, failed_pins)
       SELECT s.number, s.pin_hash, COALESCE(s.name, ''), COALESCE(s.language, ''), COALESCE(s.balance, 0),
              s.currency, s.due_date, COALESCE(s.tariff, ''), 0
       FROM ivr_stage_accounts s WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.number = s.number)""",
    # caller ids: an account that lists them has exactly those; a number listed moves to its new account.
    """DELETE FROM account_phones WHERE account_id IN
       (SELECT a.id FROM accounts a JOIN ivr_stage_accounts s ON s.number = a.number WHERE s.has_phones)""",
    "DELETE FROM account_phones WHERE phone IN (SELECT phone FROM ivr_stage_phones)",
    """INSERT INTO account_phones (account_id, phone)
       SELECT a.id, p.phone FROM ivr_stage_phones p JOIN accounts a ON a.number = p.number""",
    """UPDATE tariffs SET "group" = COALESCE(s."group", tariffs."group"), price = s.price, currency = s.currency,
        unit = COALESCE(s.unit, tariffs.unit), valid_to = COALESCE(s.valid_to, tariffs.valid_to)
       FROM ivr_stage_tariffs s WHERE tariffs.name = s.name AND tariffs.valid_from = s.valid_from""",
    """INSERT INTO tariffs (name, "group", price, currency, unit, valid_from, valid_to)
       SELECT s.name, COALESCE(s."group", ''), s.price, s.currency, COALESCE(s.unit, 'month'), s.valid_from, s.valid_to
       FROM ivr_stage_tariffs s WHERE NOT EXISTS
       (SELECT 1 FROM tariffs t WHERE t.name = s.name AND t.valid_from = s.valid_from)""",
    """UPDATE billing_rules SET prompt = s.prompt, position = COALESCE(s.position, 0)
       FROM ivr_stage_rules s WHERE billing_rules.name = s.name AND billing_rules.language = s.language""",
    """INSERT INTO billing_rules (name, language, prompt, position)
       SELECT s.name, s.language, s.prompt, COALESCE(s.position, 0) FROM ivr_stage_rules s WHERE NOT EXISTS
       (SELECT 1 FROM billing_rules r WHERE r.name = s.name AND r.language = s.language)""",
]

_DUPLICATES = [   # (set, stage, key columns, how a key is named) as load.py names them
    ("account", "ivr_stage_accounts", ("number",), lambda n: f"account {n}"),
    ("phone", "ivr_stage_phones", ("phone",), lambda p: p),
    ("tariff", "ivr_stage_tariffs", ("name", "valid_from"), lambda n, d: f"tariff {n} from {d}"),
    ("rule", "ivr_stage_rules", ("name", "language"), lambda n, lang: f"billing rule {n} ({lang})"),
]

_NEW_WITHOUT_PIN = """SELECT s.line FROM ivr_stage_accounts s WHERE s.pin_hash IS NULL
    AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.number = s.number) ORDER BY s.line"""


class Upsert:
    """One import's transaction: `add(kind, line, row)` for each row checked by
    ivr/data/load.py (kind: accounts, tariffs, billing_rules), then `merge()`,
    then `commit()`; leaving the `with` block without commit rolls it all back.

    A row's `pin` is hashed here (scrypt, ivr/data/pins.py: about 50 ms each,
    by design): a PIN equal to the stored one is not hashed again and keeps a
    lock. Rows without a PIN update accounts already stored; `merge()` returns
    the lines of new accounts without one, and then writes nothing."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self._buffers: dict[str, list[tuple]] = {k: [] for k in _STAGES}

    def __enter__(self) -> "Upsert":
        self.conn = self.engine.connect()
        self.trans = self.conn.begin()
        for table, cols in _STAGES.values():
            if not self.pg:
                self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")
            ddl = ", ".join(f'"{c}" {t}' for c, t in cols)
            self.conn.exec_driver_sql(f"CREATE TEMP TABLE {table} ({ddl})" + (" ON COMMIT DROP" if self.pg else ""))
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.trans.is_active:
                self.trans.rollback()
        finally:
            self.conn.close()

    def add(self, kind: str, line: int, r: dict[str, Any]) -> None:
        buf = self._buffers
        if kind == "accounts":
            phones = list(dict.fromkeys(r.get("caller_ids", ())))
            buf["accounts"].append((line, r["number"], self._pin_hash(r["number"], r.get("pin")), r.get("name"),
                                    r.get("language"), r.get("balance"), r["currency"], r.get("due_date"),
                                    r.get("tariff"), "caller_ids" in r))
            buf["phones"].extend((line, r["number"], p) for p in phones)
        elif kind == "tariffs":
            buf["tariffs"].append((line, r["name"], r.get("group"), r["price"], r["currency"], r.get("unit"),
                                   r["valid_from"], r.get("valid_to")))
        else:
            buf["billing_rules"].append((line, r["name"], r["language"], r["prompt"], r.get("position")))
        if len(buf[kind]) >= BATCH or len(buf["phones"]) >= BATCH:
            self.flush()

    def _pin_hash(self, number: str, pin: str | None) -> str | None:
        if pin is None:
            return None
        stored = self.conn.exec_driver_sql("SELECT pin_hash FROM accounts WHERE number = " +
                                           ("%(n)s" if self.pg else ":n"), {"n": number}).scalar()
        return None if stored and verify_pin(pin, stored) else hash_pin(pin)

    def flush(self) -> None:
        for kind, rows in self._buffers.items():
            if not rows:
                continue
            table, cols = _STAGES[kind]
            names = ", ".join(f'"{c}"' for c, _ in cols)
            if self.pg:
                with self.conn.connection.driver_connection.cursor() as cur:
                    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                marks = ", ".join("?" * len(cols))
                self.conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                                          [tuple(_sqlite(v) for v in row) for row in rows])
            rows.clear()

    def duplicates(self, limit: int) -> list[tuple[str, int, int, str]]:
        """Keys staged twice: (set, line, first line, what) for up to `limit` of them, by line.
        Sets as in load.py: account, phone, tariff, rule."""
        self.flush()
        out: list[tuple[str, int, int, str]] = []
        for set_name, table, keys, what in _DUPLICATES:
            on = " AND ".join(f's."{k}" = f."{k}"' for k in keys)
            cols = ", ".join(f'"{k}"' for k in keys)
            sql = (f"SELECT s.line, f.first, {', '.join(f's.{chr(34)}{k}{chr(34)}' for k in keys)} FROM {table} s "
                   f"JOIN (SELECT {cols}, MIN(line) AS first FROM {table} GROUP BY {cols} HAVING COUNT(*) > 1) f "
                   f"ON {on} WHERE s.line > f.first ORDER BY s.line LIMIT {int(limit)}")
            out += [(set_name, line, first, what(*key)) for line, first, *key in self.conn.exec_driver_sql(sql)]
        out.sort(key=lambda d: d[1])
        return out[:limit]

    def count_duplicates(self) -> int:
        """How many staged rows repeat a key of an earlier one."""
        self.flush()
        total = 0
        for _, table, keys, _ in _DUPLICATES:
            cols = ", ".join(f'"{k}"' for k in keys)
            total += self.conn.exec_driver_sql(
                f"SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM {table} GROUP BY {cols}) c").scalar()
        return int(total)

    def merge(self) -> list[int]:
        """Merge the staged rows; the lines of new accounts without a PIN (then nothing is merged)."""
        self.flush()
        if self.pg:
            for table, _ in _STAGES.values():
                self.conn.exec_driver_sql(f"ANALYZE {table}")
        missing = [line for (line,) in self.conn.exec_driver_sql(_NEW_WITHOUT_PIN)]
        if missing:
            return missing
        for statement in _MERGE:
            self.conn.exec_driver_sql(statement)
        return []

    def commit(self) -> None:
        self.trans.commit()


def _sqlite(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def upsert(engine: Engine, accounts: list[dict[str, Any]], tariffs: list[dict[str, Any]],
           billing_rules: list[dict[str, Any]]) -> list[int]:
    """Write rows checked by `load.check_file` in one transaction (see Upsert);
    the rows' positions (1-based, in `accounts`) of new accounts without a PIN,
    and then nothing is written."""
    with Upsert(engine) as up:
        for kind, rows in (("accounts", accounts), ("tariffs", tariffs), ("billing_rules", billing_rules)):
            for i, row in enumerate(rows, 1):
                up.add(kind, i, row)
        missing = up.merge()
        if not missing:
            up.commit()
        return missing
