"""What a call reads of the data, as frozen views: an account, a tariff, a
billing rule. No database here: the menu's checks and the interpreter use
them without importing the queries (ivr/data/store.py makes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


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
