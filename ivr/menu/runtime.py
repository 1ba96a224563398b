"""What node runners share: the call's context and the filling-in of prompts.
No I/O: data is asked for with actions (LoadData) like everything else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .actions import LoadData, Note
from .items import Say
from .outcome import StepKind
from .policy import RecordingPolicy

if TYPE_CHECKING:
    from ..data.views import AccountView
    from .model import Menu


@dataclass
class CallContext:
    """What the interpreter knows about the caller as the call goes on."""

    language: str
    caller_id: str = ""
    at: datetime | None = None        # fixed time (simulate --at); None means the clock
    consent: bool | None = None
    account: AccountView | None = None
    history: list[str] = field(default_factory=list)  # remembered nodes visited, for `back`
    timezone: str = "UTC"             # the office's: whose calendar day prices and due dates follow
    recording: RecordingPolicy = RecordingPolicy.EXPLICIT   # the hotline's: how consent nodes ask
    language_chosen: bool = False     # the caller picked a language in this call (it beats the account's)

    def now(self) -> datetime:
        return self.at or datetime.now(timezone.utc)

    def today(self) -> date:
        """The office's date now: a call at 23:30 UTC on 31 December is 1 January in Warsaw."""
        return self.now().astimezone(ZoneInfo(self.timezone)).date()

    @property
    def account_number(self) -> str:
        return str(getattr(self.account, "number", "") or "")


def tariff_prompt(name: str) -> str:
    """The prompt that names a tariff: "Basic Plus" -> tariff-basic-plus."""
    return f"tariff-{name.lower().replace(' ', '-')}"


def unit_prompt(unit: str) -> str:
    """The prompt after a price: month -> per-month."""
    return f"per-{unit}"


def expand(node: str, items: tuple, ctx: CallContext):
    """Prompt items with data filled in: `say` values of the identified
    account, the tariffs in force today, the billing rules of the language."""
    out: list = []
    for item in items:
        if not isinstance(item, Say):
            out.append(item)
        elif item.kind == "tariffs":
            for t in (yield LoadData(node, "tariffs")):
                out += [tariff_prompt(t.name), Say("money", f"{t.price} {t.currency}"), unit_prompt(t.unit)]
        elif item.kind == "billing_rules":
            out += (yield LoadData(node, "billing_rules"))
        elif item.value.startswith("account."):
            value = ctx.account.value(item.value.split(".", 1)[1]) if ctx.account is not None else None
            if value is None:
                yield Note(node, StepKind.MISSING_VALUE, {"value": item.value})
            else:
                out.append(Say(item.kind, value))
        else:
            out.append(item)  # a literal: {say: number, value: "42"}
    return tuple(out)


def is_open(menu: Menu, hours_name: str, ctx: CallContext) -> bool:
    """Open now by the named hours (always, when no hours are named)."""
    return not hours_name or menu.hours[hours_name].is_open(ctx.now())
