"""The menu interpreter: walks nodes, yields actions, never does I/O.

`walk(menu, ctx)` is a generator: the driver (ivr.menu.session) sends each
action's answer back in. Menu nodes follow this table, per attempt:

    input            options say     ->  next
    ---------------  --------------  -------------------------------------
    digit(s)         found           go to the option's node
    digit            ambiguous/more  wait inter_digit_timeout for another
    digits           invalid         play `invalid`, retry
    nothing          -               play `no_input`, retry
    retries used up  -               go to on_failure (hang up if none)

A digit pressed during a `play` node's prompt is kept and used by the next
menu (type-ahead): the caller who knows the menu is never made to wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Generator

from .actions import (Collect, Hangup, LoadData, LookupCaller, Note, Play, QueueCall, RequestCallback, SetVar,
                      StartRecording, VerifyAccount, WaitDigit)
from .matcher import match
from .model import (BACK, REPEAT, CallbackNode, ConsentNode, GotoNode, HangupNode, HoursNode, IdentifyNode,
                    LanguageNode, Menu, MenuNode, Node, PlayNode, QueueNode, Say)

MAX_NODE_VISITS = 200  # a loop no caller can leave ends the call instead of running forever


@dataclass
class CallContext:
    """What the interpreter knows about the caller as the call goes on."""

    language: str
    caller_id: str = ""
    at: datetime | None = None        # fixed time (simulate --at); None means the clock
    consent: bool | None = None
    account: object | None = None
    history: list[str] = field(default_factory=list)  # menu nodes visited, for `back`

    def now(self) -> datetime:
        return self.at or datetime.now(timezone.utc)


Walk = Generator[object, object, str]


def walk(menu: Menu, ctx: CallContext) -> Walk:
    """Run the menu from its entry; return the outcome (queue:NAME, hangup, ...)."""
    name: str = menu.entry
    pending = ""  # digits typed ahead during a play node
    for _ in range(MAX_NODE_VISITS):
        node = menu.nodes[name]
        yield Note(name, "enter", {"type": node.type})
        result = yield from _NODE_RUNNERS[type(node)](menu, node, ctx, pending)
        pending = ""
        if isinstance(result, _End):
            return result.outcome
        target, pending = result
        name = _resolve(target, name, node, ctx)
        if name == "":
            yield Hangup(node.name)
            return "hangup"
    yield Note(name, "loop", {"visits": MAX_NODE_VISITS})
    yield Hangup(name)
    return "error:loop"


@dataclass(frozen=True)
class _End:
    outcome: str


def _resolve(target: str, current: str, node: Node, ctx: CallContext) -> str:
    if isinstance(node, MenuNode) and (not ctx.history or ctx.history[-1] != current):
        ctx.history.append(current)
    if target == REPEAT:
        return current if isinstance(node, MenuNode) else (ctx.history[-1] if ctx.history else current)
    if target == BACK:
        # The menu before the one we are in (or the current one if none).
        if ctx.history and ctx.history[-1] == current:
            ctx.history.pop()
        return ctx.history.pop() if ctx.history else current
    return target


def tariff_prompt(name: str) -> str:
    """The prompt that names a tariff: "Basic Plus" -> tariff-basic-plus."""
    return f"tariff-{name.lower().replace(' ', '-')}"


def unit_prompt(unit: str) -> str:
    """The prompt after a price: month -> per-month."""
    return f"per-{unit}"


def _expand(node: str, items: tuple, ctx: CallContext):
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
                yield Note(node, "missing-value", {"value": item.value})
            else:
                out.append(Say(item.kind, value))
        else:
            out.append(item)  # a literal: {say: number, value: "42"}
    return tuple(out)


def _menu(menu: Menu, node: MenuNode, ctx: CallContext, pending: str):
    prompts = yield from _expand(node.name, node.prompt, ctx)
    for attempt in range(1, node.retries + 1):
        digits = pending[:1]
        rest = pending[1:]
        pending = ""
        if not digits:
            digits = yield Play(node.name, prompts)
        if not digits:
            digits = yield WaitDigit(node.name, node.timeout)
        if not digits:
            yield Note(node.name, "timeout", {"attempt": attempt})
            prompts = node.no_input + (yield from _expand(node.name, node.prompt, ctx))
            continue
        result = match(node.options, digits)
        while result.kind in ("ambiguous", "more"):
            more = rest[:1] if rest else (yield WaitDigit(node.name, node.inter_digit_timeout))
            rest = rest[1:]
            if not more:
                break
            digits += more
            result = match(node.options, digits)
        yield Note(node.name, "input", {}, digits)
        if result.kind in ("found", "ambiguous"):
            return result.target, rest
        yield Note(node.name, "invalid", {"attempt": attempt}, digits)
        prompts = node.invalid + (yield from _expand(node.name, node.prompt, ctx))
    yield Note(node.name, "failure", {"retries": node.retries})
    if node.on_failure:
        return node.on_failure, ""
    yield Hangup(node.name)
    return _End("hangup")


def _play(menu: Menu, node: PlayNode, ctx: CallContext, pending: str):
    digit = pending or (yield Play(node.name, (yield from _expand(node.name, node.prompt, ctx))))
    if digit:
        yield Note(node.name, "input", {"type_ahead": True}, digit)
    if not node.next:
        yield Hangup(node.name)
        return _End("hangup")
    return node.next, digit


def _identify(menu: Menu, node: IdentifyNode, ctx: CallContext, pending: str):
    """A known caller id identifies at once; otherwise account number and PIN.
    The caller is never told which of the two was wrong, nor that the
    account is locked: every failure sounds the same."""
    if ctx.account is not None:
        return node.next, pending
    if "caller_id" in node.by and ctx.caller_id:
        account = yield LookupCaller(node.name, ctx.caller_id)
        if account is not None:
            ctx.account = account
            yield Note(node.name, "identify", {"identified": True, "by": "caller_id"})
            return node.next, pending
    if "account_pin" in node.by:
        if node.prompt:
            yield Play(node.name, node.prompt)
        for attempt in range(1, node.attempts + 1):
            number = yield Collect(node.name, node.account_prompt, 16, node.timeout)
            pin = (yield Collect(node.name, node.pin_prompt, 8, node.timeout)) if number else ""
            # Never log the PIN; the account number only by its length.
            yield Note(node.name, "input", {"account_digits": len(number or ""), "pin_digits": len(pin or "")})
            account = (yield VerifyAccount(node.name, number, pin)) if number and pin else None
            if account is not None:
                ctx.account = account
                yield Note(node.name, "identify", {"identified": True, "by": "account_pin", "attempt": attempt})
                return node.next, ""
            yield Note(node.name, "identify", {"identified": False, "attempt": attempt})
            yield Play(node.name, node.failed_prompt, "")
    yield Note(node.name, "failure", {"attempts": node.attempts})
    if node.on_failure:
        return node.on_failure, ""
    yield Hangup(node.name)
    return _End("hangup")


def _consent(menu: Menu, node: ConsentNode, ctx: CallContext, pending: str):
    """Asked once per call, and only after the caller heard the question: a
    digit typed ahead is not an answer to a question not yet asked. A second
    visit keeps the first answer (a recording once started is not cut in two)."""
    if ctx.consent is not None:
        yield Note(node.name, "consent-kept", {"consent": ctx.consent})
        return node.next, ""
    digit = yield Play(node.name, node.prompt, node.accept + node.decline)
    if not digit:
        digit = yield WaitDigit(node.name, node.timeout)
    if digit:
        yield Note(node.name, "input", {}, digit)
    ctx.consent = digit == node.accept
    yield Note(node.name, "set", {"consent": ctx.consent})
    yield SetVar(node.name, "IVR_CONSENT", "yes" if ctx.consent else "no")
    if ctx.consent:
        yield StartRecording(node.name)
    return node.next, ""


def _open(menu: Menu, hours_name: str, ctx: CallContext) -> bool:
    return not hours_name or menu.hours[hours_name].is_open(ctx.now())


def _queue(menu: Menu, node: QueueNode, ctx: CallContext, pending: str):
    if not _open(menu, node.hours, ctx):
        yield Note(node.name, "closed", {"hours": node.hours})
        if node.on_closed:
            return node.on_closed, ""
        yield Hangup(node.name)
        return _End("closed")
    yield SetVar(node.name, "IVR_LANGUAGE", ctx.language)
    yield SetVar(node.name, "IVR_PATH", ">".join(ctx.history + [node.name]))
    yield SetVar(node.name, "IVR_CONSENT", {True: "yes", False: "no", None: ""}[ctx.consent])
    yield SetVar(node.name, "IVR_ACCOUNT", _account_number(ctx))
    if node.music_class:
        yield SetVar(node.name, "CHANNEL(musicclass)", node.music_class)
    if node.priority:
        yield SetVar(node.name, "QUEUE_PRIO", str(node.priority))
    yield SetVar(node.name, "IVR_OUTCOME", f"queue:{node.queue}")
    status = yield QueueCall(node.name, node.queue, node.options, node.max_wait)
    yield Note(node.name, "queue", {"queue": node.queue, "status": status or "ANSWERED"})
    follow = {"TIMEOUT": node.on_timeout, "FULL": node.on_full, "JOINEMPTY": node.on_empty,
              "LEAVEEMPTY": node.on_empty, "JOINUNAVAIL": node.on_empty, "LEAVEUNAVAIL": node.on_empty}
    if status and follow.get(str(status)):
        return follow[str(status)], ""
    return _End(f"queue:{node.queue}")


def _account_number(ctx: CallContext) -> str:
    return str(getattr(ctx.account, "number", "") or "")


def _callback(menu: Menu, node: CallbackNode, ctx: CallContext, pending: str):
    """A caller who could not be served now is called back: the request is stored first,
    so a caller hanging up during the confirmation is still called."""
    if not ctx.caller_id.strip():
        # No number to call: promising a call back would be a lie.
        yield Note(node.name, "callback", {"queue": node.queue, "stored": False, "reason": "no caller id"})
    else:
        request = yield RequestCallback(node.name, node.queue, ctx.caller_id, _account_number(ctx), ctx.language)
        yield Note(node.name, "callback", {"queue": node.queue, "stored": request is not None})
        if node.prompt:
            yield Play(node.name, node.prompt, "")
    if not node.next:
        yield Hangup(node.name)
        return _End("callback")
    return node.next, ""


def _hours(menu: Menu, node: HoursNode, ctx: CallContext, pending: str):
    is_open = _open(menu, node.hours, ctx)
    yield Note(node.name, "hours", {"hours": node.hours, "open": is_open})
    return (node.open if is_open else node.closed), pending
    yield  # pragma: no cover - keeps this a generator


def _language(menu: Menu, node: LanguageNode, ctx: CallContext, pending: str):
    digit = pending[:1] or (yield Play(node.name, node.prompt))
    if not digit:
        digit = yield WaitDigit(node.name, node.timeout)
    if digit:
        yield Note(node.name, "input", {}, digit)
    chosen = node.options.get(digit or "")
    if chosen:
        ctx.language = chosen
        yield Note(node.name, "set", {"language": chosen})
        yield SetVar(node.name, "CHANNEL(language)", chosen)
    elif digit:
        yield Note(node.name, "invalid", {}, digit)
    return node.next, ""


def _hangup(menu: Menu, node: HangupNode, ctx: CallContext, pending: str):
    if node.prompt:
        yield Play(node.name, node.prompt, "")
    yield SetVar(node.name, "IVR_OUTCOME", "hangup")
    yield Hangup(node.name)
    return _End("hangup")


def _goto(menu: Menu, node: GotoNode, ctx: CallContext, pending: str):
    return node.next, pending
    yield  # pragma: no cover


_NODE_RUNNERS = {MenuNode: _menu, PlayNode: _play, IdentifyNode: _identify, ConsentNode: _consent,
                 QueueNode: _queue, HoursNode: _hours, LanguageNode: _language, HangupNode: _hangup,
                 GotoNode: _goto, CallbackNode: _callback}
