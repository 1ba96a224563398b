"""The session driver: runs the interpreter's actions on a channel and logs
every step to the call record."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Callable

from ..channel.interface import Channel
from ..errors import ChannelHungUp
from ..store.calllog import CallRecord
from ..store.models import utcnow
from .actions import (Collect, Hangup, LoadData, LookupCaller, Note, Play, QueueCall, RequestCallback, SetVar,
                      StartRecording, VerifyAccount, WaitDigit)
from .interpreter import CallContext, walk
from .model import Menu
from .prompts import PromptResolver

log = logging.getLogger("ivr.session")

Observer = Callable[[dict], None]


class SessionDriver:
    def __init__(self, menu: Menu, channel: Channel, ctx: CallContext, record: CallRecord,
                 prompts: PromptResolver, recordings_dir: Path, recording_format: str = "wav",
                 observer: Observer | None = None, data=None):
        self.menu, self.channel, self.ctx, self.record = menu, channel, ctx, record
        self.prompts, self.recordings_dir, self.recording_format = prompts, recordings_dir, recording_format
        self.observer = observer
        self.data = data  # ivr.data.lookup.DataSource, or None: nobody is known
        self.hung_up = False
        self.in_queue = ""
        self.log = logging.LoggerAdapter(log, {"uid": record.unique_id})

    def _step(self, node: str, action: str, detail: dict | None = None, digits: str = "") -> None:
        detail = dict(detail or {})
        self.record.step(node, action, json.dumps(detail, sort_keys=True) if detail else "", digits)
        if self.observer:
            line = {"node": node, "action": action, **detail}
            if digits:
                line["digits"] = digits
            self.observer(line)

    async def run(self) -> str:
        """Walk the menu; return the outcome. A hangup is a normal end."""
        gen = walk(self.menu, self.ctx)
        answer = None
        try:
            while True:
                try:
                    action = gen.send(answer)
                except StopIteration as stop:
                    outcome = str(stop.value)
                    break
                answer = await self._do(action)
        except ChannelHungUp:
            # A call that ends while in a queue was handed off: that is its outcome.
            outcome = f"queue:{self.in_queue}" if self.in_queue else "caller-hangup"
            self.hung_up = True
        self.record.outcome = outcome
        self.record.language = self.ctx.language
        if self.observer:
            self.observer({"action": "end", "outcome": outcome})
        return outcome

    async def _do(self, action: object) -> object:
        ch = self.channel
        if isinstance(action, Note):
            if action.action == "set" and "consent" in action.detail:
                self.record.consent, self.record.consent_at = bool(action.detail["consent"]), utcnow()
            self._step(action.node, action.action, dict(action.detail), action.digits)
            return None
        if isinstance(action, Play):
            names = self.prompts.names(action.prompts, self.ctx.language)
            self._step(action.node, "play", {"prompts": names})
            files = [self.prompts.file(n, self.ctx.language) for n in names]
            return await ch.play(files, action.escape) if files else ""
        if isinstance(action, WaitDigit):
            return await ch.wait_digit(action.timeout)
        if isinstance(action, Collect):
            names = self.prompts.names(action.prompts, self.ctx.language)
            self._step(action.node, "play", {"prompts": names})
            files = [self.prompts.file(n, self.ctx.language) for n in names]
            return await ch.collect(files, action.max_digits, action.timeout)
        if isinstance(action, SetVar):
            await ch.set_variable(action.name, action.value)
            return None
        if isinstance(action, StartRecording):
            path = self.recordings_dir / f"{self.record.unique_id}.{self.recording_format}"
            self._step(action.node, "record", {"file": path.name})
            await ch.start_recording(str(path))
            return None
        if isinstance(action, QueueCall):
            self._step(action.node, "queue-enter", {"queue": action.queue})
            self.in_queue = action.queue
            status = (await ch.queue(action.queue, action.options, action.timeout)).status
            self.in_queue = ""
            return status
        if isinstance(action, (LookupCaller, VerifyAccount, LoadData, RequestCallback)):
            return await self._lookup(action)
        if isinstance(action, Hangup):
            self._step(action.node, "hangup")
            self.hung_up = True
            await ch.hangup()
            return None
        raise TypeError(f"unknown action {action!r}")

    async def _lookup(self, action) -> object:
        data = self.data
        if data is None:   # no database: nobody is known, nothing is stored
            return [] if isinstance(action, LoadData) else None
        if isinstance(action, LookupCaller):
            fn, args = data.by_caller_id, (action.caller_id,)
        elif isinstance(action, VerifyAccount):
            fn, args = data.verify, (action.number, action.pin, self.ctx.now())
        elif isinstance(action, RequestCallback):
            fn, args = data.request_callback, (self.record.unique_id, action.caller_id, action.account,
                                               action.language, action.queue, self.ctx.now())
        elif action.what == "tariffs":
            fn, args = data.tariffs, (self.ctx.now().date(),)
        else:
            fn, args = data.billing_rules, (self.ctx.language,)
        # The database is synchronous: keep it off the event loop.
        return await asyncio.to_thread(fn, *args)
