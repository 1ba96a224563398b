"""Place a simulated call (`ivr call`): a Local channel whose IVR half runs
ivr-inbound and whose caller half answers and sends the digits."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from .client import AMIClient

IVR_CONTEXT = "ivr-inbound"
CALLER_CONTEXT = "ivr-test-caller"


def dtmf_script(digits: str, gap: float = 2.0) -> str:
    """'1 2 #' -> '1WW2WW#': each space is a pause of `gap` seconds (W = 1 s, w = 0.5 s).

    A '-' token presses nothing (the caller stays silent for one gap), as in
    `ivr simulate`'s scripts: '- 1' lets the first prompt time out, then presses 1."""
    pause = "W" * int(gap) + "w" * int(round((gap - int(gap)) * 2))
    presses = [p for p in digits.split() if p]
    for i, p in enumerate(presses, 1):
        if p == "-":
            continue
        bad = [c for c in p if c not in "0123456789*#"]
        if bad:
            raise ValueError(f"--digits: token {i} {p!r}: {bad[0]!r} is not a DTMF key "
                             "(use 0-9, * and #, or - for silence)")
    return pause.join("" if p == "-" else p for p in presses)


@dataclass(frozen=True)
class PlacedCall:
    caller_unique_id: str
    ivr_unique_id: str


async def place_call(ami: AMIClient, digits: str, caller_id: str = "", called: str = "",
                     gap: float = 2.0, delay: float = 1.0, hold: float = 120.0,
                     extra_vars: dict[str, str] | None = None) -> tuple[PlacedCall, asyncio.Future]:
    """Originate the call; return its ids and a future resolved when the IVR half hangs up."""
    placed = PlacedCall(f"ivrtest-{uuid.uuid4().hex[:16]}", f"ivrcall-{uuid.uuid4().hex[:16]}")
    hangup = ami.wait_for(lambda e: e.event == "Hangup" and e.get("Uniqueid") == placed.ivr_unique_id)
    variables = {"IVR_TEST_DIGITS": dtmf_script(digits, gap), "IVR_TEST_DELAY": f"{delay:g}",
                 "IVR_TEST_HOLD": f"{hold:g}", **(extra_vars or {})}
    if called:
        variables["__IVR_CALLED"] = called
    action = {"Action": "Originate", "Channel": f"Local/s@{IVR_CONTEXT}", "Context": CALLER_CONTEXT,
              "Exten": "s", "Priority": "1", "Async": "true", "Timeout": "30000",
              "ChannelId": placed.caller_unique_id, "OtherChannelId": placed.ivr_unique_id,
              "Variable": [f"{k}={v}" for k, v in variables.items()]}
    if caller_id:
        action["CallerID"] = f'"{caller_id}" <{caller_id}>'
    await ami.action(action)
    return placed, hangup
