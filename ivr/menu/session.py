"""The session driver: runs the interpreter's actions on a channel and logs
every step to the call record."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from datetime import datetime, timezone

from ..channel.interface import Channel
from ..errors import ChannelHungUp, DataUnavailable
from .actions import (UNAVAILABLE, Collect, Consent, Hangup, LoadData, LookupCaller, Note, Play, QueueCall,
                      RequestCallback, SetVar, StartRecording, VerifyAccount, WaitDigit)
from .interpreter import CallContext, walk
from .model import Menu
from .outcome import CALLER_HANGUP, HangupCause, Outcome, StepKind
from .prompts import PromptResolver

if TYPE_CHECKING:
    from ..store.calllog import CallRecord

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
        self.gone = False  # the channel hung up: nothing more may be sent on it
        # Who ended the call when it ended in the IVR (caller or ivr); None when it went on,
        # or ended in a queue, where the queue's record says whether caller or agent hung up.
        self.ended_by: HangupCause | None = None
        self.in_queue = ""
        self.queued = False  # handed to Queue() at least once
        self.log = logging.LoggerAdapter(log, {"uid": record.unique_id})

    def _step(self, node: str, action: StepKind, detail: dict | None = None, digits: str = "") -> None:
        detail = dict(detail or {})
        self.record.step(node, action.value, json.dumps(detail, sort_keys=True) if detail else "", digits)
        if self.observer:
            line = {"node": node, "action": action.value, **detail}
            if digits:
                line["digits"] = digits
            self.observer(line)

    async def run(self) -> Outcome:
        """Walk the menu; return the outcome. A hangup is a normal end: a caller
        hanging up sets `ended_by` to caller, the IVR hanging up to ivr."""
        gen = walk(self.menu, self.ctx)
        answer = None
        try:
            while True:
                try:
                    action = gen.send(answer)
                except StopIteration as stop:
                    outcome = stop.value
                    break
                answer = await self._do(action)
        except ChannelHungUp:
            # A call that ends while in a queue was handed off: that is its outcome,
            # and who hung up (caller or agent) is the queue's to say.
            outcome = Outcome.to_queue(self.in_queue) if self.in_queue else CALLER_HANGUP
            self.gone = True
            if not self.in_queue:
                self.ended_by = HangupCause.CALLER
        self.record.outcome = str(outcome)
        self.record.language = self.ctx.language
        if self.observer:
            self.observer({"action": "end", "outcome": str(outcome)})
        return outcome

    async def _do(self, action: object) -> object:
        ch = self.channel
        if isinstance(action, Note):
            self._step(action.node, action.action, dict(action.detail), action.digits)
            return None
        if isinstance(action, Consent):
            self.record.consent, self.record.consent_at = action.given, datetime.now(timezone.utc)
            self._step(action.node, StepKind.SET, {"consent": action.given})
            return None
        if isinstance(action, Play):
            names = self.prompts.names(action.prompts, self.ctx.language)
            self._step(action.node, StepKind.PLAY, {"prompts": names})
            files = [self.prompts.file(n, self.ctx.language) for n in names]
            return await ch.play(files, action.escape) if files else ""
        if isinstance(action, WaitDigit):
            return await ch.wait_digit(action.timeout)
        if isinstance(action, Collect):
            names = self.prompts.names(action.prompts, self.ctx.language)
            self._step(action.node, StepKind.PLAY, {"prompts": names})
            files = [self.prompts.file(n, self.ctx.language) for n in names]
            return await ch.collect(files, action.max_digits, action.timeout)
        if isinstance(action, SetVar):
            await ch.set_variable(action.name, action.value)
            return None
        if isinstance(action, StartRecording):
            path = self.recordings_dir / f"{self.record.unique_id}.{self.recording_format}"
            self._step(action.node, StepKind.RECORD, {"file": path.name})
            await ch.start_recording(str(path))
            return None
        if isinstance(action, QueueCall):
            self._step(action.node, StepKind.QUEUE_ENTER, {"queue": action.queue})
            self.in_queue, self.queued = action.queue, True
            status = (await ch.queue(action.queue, action.options, action.timeout)).status
            self.in_queue = ""
            return status
        if isinstance(action, (LookupCaller, VerifyAccount, LoadData, RequestCallback)):
            return await self._lookup(action)
        if isinstance(action, Hangup):
            self._step(action.node, StepKind.HANGUP)
            self.gone, self.ended_by = True, HangupCause.IVR
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
            fn, args = data.tariffs, (self.ctx.today(),)
        else:
            fn, args = data.billing_rules, (self.ctx.language,)
        # The database is synchronous: keep it off the event loop.
        try:
            return await asyncio.to_thread(fn, *args)
        except DataUnavailable as exc:
            if isinstance(action, (LoadData, RequestCallback)):
                raise   # nothing cached to say: the call fails over to the dialplan's fallback queue
            self.log.warning("%s: %s", action.node, exc)
            return UNAVAILABLE
