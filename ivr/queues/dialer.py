"""The callback dialer of `ivr serve`: the thin asyncio loop around
ivr/queues/callback_rules.py (the decisions) and ivr/queues/store.py (the SQL).

Every tick (a change of the live queue state, or `poll_s` seconds) it reads the
pending requests of the queues listed in config.yaml's `queues: callbacks:`,
asks `decide` whose turn it is from the live state the controller's AMI link
keeps (ivr/live: callers waiting with their join times, agents free), claims
each request due (one controller wins it: claim_callback) and places the call
by AMI Originate (dialplans/ivr-callback.conf):

    agent-first    Local/agent@ivr-callback/n: that half joins the queue with
                   QUEUE_PRIO above every caller's, an agent answering answers
                   the Originate, and the other half Dial()s the caller
                   (Dial's U() says `connected` when the caller answers).
    caller-first   the caller's dial string: on answer the caller hears the
                   confirm prompt, presses the digit and joins the queue with
                   QUEUE_PRIO above every caller's (AgentConnect: `answered`).

An attempt's result comes from AMI: OriginateResponse (rang out, busy, failed),
the dialplan's `UserEvent(IVRCallback, Callback, Request, Attempt, Result)` (Callback:
the originated channel's id, which is the dialer's key of the attempt), AgentConnect of
the queue leg (whose Uniqueid the dialer chose: ChannelId/OtherChannelId), the
Hangup of the originated channel. No result within the attempt's longest time
(AMI lost): the queue leg's handle-time record decides, else `lost`. At start a
controller closes the attempts it left `dialing` the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy.engine import Engine

from ..config import CallbackSettings
from ..errors import AMIError
from .callback_rules import (Decision, Policy, QueueNow, Request, Result, after_attempt, decide,
                             result_of_dialplan, result_of_originate)
from .store import (Claim, PendingCallback, attempts_of, claim_callback, finish_attempt, pending_callbacks,
                    queue_answered_at)

log = logging.getLogger("ivr.queues.dialer")

CONTEXT = "ivr-callback"
EVENTS = ("OriginateResponse", "UserEvent", "AgentConnect", "Hangup")
HANGUP_GRACE_S = 3.0     # after the Hangup, the OriginateResponse or UserEvent that says why may follow
MARGIN_S = 30.0          # beyond an attempt's longest planned time before it is given up as lost


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def _epoch(d: datetime | None) -> float | None:
    return d.timestamp() if d is not None else None


def hours_for(loaded, queue: str, cfg: CallbackSettings, hotline: str):
    """The hours a request is dialled in: the queue's `hours:` setting, else the hours of the
    queue node for `queue` in the menu of the hotline the caller rang, else that hotline's
    office hours; None (always open) for a hotline without hours."""
    hotlines = loaded.hotlines
    line = hotlines.by_name.get(hotline) or hotlines.by_name.get(hotlines.default)
    menu = line.menu if line is not None else loaded.menu
    if cfg.hours:
        return menu.hours.get(cfg.hours) or loaded.menu.hours.get(cfg.hours)
    named = next((n.hours for n in menu.nodes.values()
                  if getattr(n, "queue", None) == queue and getattr(n, "hours", "")), "")
    return menu.hours.get(named) or menu.office


@dataclass
class _Attempt:
    claim: Claim
    cfg: CallbackSettings
    channel_id: str
    queue_uid: str
    action_id: str
    events: asyncio.Queue = field(default_factory=asyncio.Queue)


class CallbackDialer:
    """Places callbacks for one controller. `current()` returns the controller's Loaded config
    (reloads apply at the next tick); `client` is its AMIClient, `live` its LiveFeed."""

    def __init__(self, engine: Engine, client, live, current: Callable, owner: str, poll_s: float = 2.0,
                 min_gap_s: float = 0.5):
        self.engine, self.client, self.live, self.current, self.owner = engine, client, live, current, owner
        self.poll_s, self.min_gap_s = poll_s, min_gap_s
        self.stopping = False
        self.attempts: dict[str, _Attempt] = {}          # by channel id
        self.tasks: set[asyncio.Task] = set()
        self.last: list[Decision] = []                   # the last tick's decisions (status, tests)
        for name in EVENTS:
            client.manager.register_event(name, self._on_event)

    # -- the loop

    async def run(self) -> None:
        await self.recover()
        while not self.stopping:
            version = self.live.state.version
            try:
                await self.tick(time.time())
            except Exception:   # a database or AMI hiccup: the next tick tries again
                log.exception("callback dialer tick failed")
            await asyncio.sleep(self.min_gap_s)
            await self.live.wait_change(version, self.poll_s)

    def stop(self) -> None:
        """Place no more calls; attempts under way go on (drain waits for them)."""
        self.stopping = True

    async def drain(self, timeout: float) -> int:
        """Wait for attempts under way; return how many were still running (closed as lost at next start)."""
        self.stop()
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=timeout)
        return sum(1 for t in self.tasks if not t.done())

    def _queues_now(self, names) -> dict[str, QueueNow]:
        snap = self.live.snapshot()
        known = not snap.stale and bool(getattr(self.live, "connected", True))
        out = {}
        for name in names:
            q = snap.queue(name)
            if q is None:
                out[name] = QueueNow(name, (), 0, known)
            else:
                out[name] = QueueNow(name, tuple((c.unique_id, snap.at - c.wait_s) for c in q.callers),
                                     q.count("available"), known)
        return out

    async def tick(self, now: float) -> list[Decision]:
        """Decide and place the calls due at `now` (epoch seconds); the decisions made."""
        loaded = self.current()
        settings = loaded.settings.queues.callbacks
        if not settings:
            return []
        pending = await asyncio.to_thread(pending_callbacks, self.engine, sorted(settings))
        by_id = {p.id: p for p in pending}
        requests = [Request(p.id, p.queue, p.unique_id, p.requested_at.timestamp(), p.state, p.attempts,
                            _epoch(p.next_at)) for p in pending]
        hours = {p.id: hours_for(loaded, p.queue, settings[p.queue], p.hotline) for p in pending}
        decisions = decide(requests, self._queues_now(settings), now, hours)
        self.last = decisions
        for d in decisions:
            if d.due and not self.stopping:
                await self._place(loaded, by_id[d.request.id], settings[d.request.queue], now)
        return decisions

    # -- one attempt

    async def _place(self, loaded, p: PendingCallback, cfg: CallbackSettings, now: float) -> None:
        token = uuid.uuid4().hex[:20]
        channel_id = f"ivrcb-{token}"
        queue_uid = f"ivrcb-{token}-q" if cfg.mode == "agent-first" else channel_id
        claim = await asyncio.to_thread(claim_callback, self.engine, p.id, self.owner, _utc(now), cfg.mode,
                                        channel_id, queue_uid)
        if claim is None:
            log.info("callback request %d taken by another controller", p.id, extra={"uid": p.unique_id})
            return
        att = _Attempt(claim, cfg, channel_id, queue_uid, f"ivrcb-action-{token}")
        self.attempts[channel_id] = att
        task = asyncio.create_task(self._attempt(loaded, att), name=p.unique_id)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _originate(self, loaded, att: _Attempt) -> dict:
        c, cfg = att.claim, att.cfg
        number = "".join(ch for ch in c.caller_id if ch.isalnum() or ch in "+*#")
        dial = cfg.dial.replace("{number}", number)
        common = {"IVR_CB_ID": att.channel_id, "IVR_CB_REQUEST": c.request_id, "IVR_CB_ATTEMPT": c.attempt_id, "IVR_CB_QUEUE": c.queue,
                  "IVR_CB_PRIO": cfg.priority, "IVR_CB_NUMBER": number, "IVR_CB_CALLERID": cfg.caller_id}
        action = {"Action": "Originate", "Async": "true", "ActionID": att.action_id, "Context": CONTEXT,
                  "Priority": "1", "ChannelId": att.channel_id}
        if cfg.mode == "agent-first":
            variables = {**common, "IVR_CB_AGENT_WAIT": f"{cfg.agent_wait_s:g}", "IVR_CB_DIAL": dial,
                         "IVR_CB_RING": f"{cfg.ring_s:g}"}
            action |= {"Channel": f"Local/agent@{CONTEXT}/n", "Exten": "dial-caller",
                       "Timeout": str(int((cfg.agent_wait_s + 5) * 1000)), "OtherChannelId": att.queue_uid,
                       "CallerID": f'"{number}" <{number}>'}
        else:
            prompt = ""
            if cfg.confirm_prompt and loaded.prompts.exists(cfg.confirm_prompt, c.language or "en"):
                prompt = loaded.prompts.file(cfg.confirm_prompt, c.language or "en")
            variables = {**common, "IVR_CB_DIGIT": cfg.confirm_digit, "IVR_CB_CONFIRM_S": f"{cfg.confirm_timeout_s:g}",
                         "IVR_CB_PROMPT": prompt, "IVR_CB_WAIT": f"{cfg.queue_wait_s:g}"}
            action |= {"Channel": dial, "Exten": "caller", "Timeout": str(int(cfg.ring_s * 1000))}
            if dial.startswith("Local/"):
                action["OtherChannelId"] = f"{att.channel_id}-2"
            if cfg.caller_id:
                action["CallerID"] = cfg.caller_id
        # __: the caller's leg Dial()ed from agent-first's half inherits them (its U() routine reports).
        action["Variable"] = [f"__{k}={v}" for k, v in variables.items()]
        return action

    def _longest(self, cfg: CallbackSettings) -> float:
        if cfg.mode == "agent-first":
            return cfg.agent_wait_s + 5 + cfg.ring_s + MARGIN_S
        return cfg.ring_s + cfg.confirm_timeout_s + cfg.queue_wait_s + MARGIN_S

    async def _attempt(self, loaded, att: _Attempt) -> None:
        c = att.claim
        calls_log = logging.LoggerAdapter(log, {"uid": c.unique_id})
        calls_log.info("callback request %d attempt %d (%s) to %s in queue %s", c.request_id, c.attempt,
                       att.cfg.mode, c.caller_id, c.queue)
        result, connected, detail = Result.LOST, None, ""
        try:
            try:
                await self.client.action(self._originate(loaded, att))
            except (AMIError, asyncio.TimeoutError, OSError) as exc:
                result, detail = Result.FAILED, f"originate refused: {exc}"[:128]
            else:
                result, connected, detail = await self._follow(att)
        except asyncio.CancelledError:
            result, detail = Result.LOST, "controller stopped during the attempt"
            raise
        except Exception as exc:   # a bug must not leave the request dialing forever
            calls_log.exception("callback attempt failed")
            result, detail = Result.LOST, f"{type(exc).__name__}: {exc}"[:128]
        finally:
            self.attempts.pop(att.channel_id, None)
            await self._finish(att, result, connected, detail, calls_log)

    async def _follow(self, att: _Attempt) -> tuple[Result, float | None, str]:
        """Read this attempt's events until its result is known: (result, connected at, detail)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._longest(att.cfg)
        agent_first = att.cfg.mode == "agent-first"
        answered = False        # the originated channel answered (caller-first: the caller; agent-first: an agent)
        hung_up_at: float | None = None
        agent = ""
        while True:
            limit = deadline if hung_up_at is None else min(deadline, hung_up_at + HANGUP_GRACE_S)
            try:
                event = await asyncio.wait_for(att.events.get(), max(0.0, limit - loop.time()))
            except asyncio.TimeoutError:
                if hung_up_at is not None:
                    return (Result.HUNG_UP if answered else Result.NO_ANSWER), None, agent
                connected = await asyncio.to_thread(queue_answered_at, self.engine, att.queue_uid)
                if connected is not None:
                    return Result.ANSWERED, connected.timestamp(), "from the queue record"
                return Result.LOST, None, "no result from AMI in time"
            name = event.get("Event", "")
            if name == "OriginateResponse":
                if (event.get("Response") or "").lower() != "success":
                    if agent_first and not answered:
                        return Result.NO_AGENT, None, f"originate reason {event.get('Reason', '')}"
                    return result_of_originate(event.get("Reason", "")), None, f"reason {event.get('Reason', '')}"
                answered = True
            elif name == "AgentConnect":
                agent = f"agent {event.get('MemberName') or event.get('Interface', '')}"
                answered = True
                if not agent_first:
                    return Result.ANSWERED, time.time(), agent
            elif name == "UserEvent":
                status = event.get("Result", "")
                if status.upper() == "CONNECTED":
                    return Result.ANSWERED, time.time(), agent
                return result_of_dialplan(status), None, f"{status} {agent}".strip()
            elif name == "Hangup" and hung_up_at is None:
                hung_up_at = loop.time()

    async def _finish(self, att: _Attempt, result: Result, connected: float | None, detail: str,
                      calls_log) -> None:
        c = att.claim
        ended = time.time()
        outcome = after_attempt(result, c.attempt, Policy(att.cfg.max_attempts, att.cfg.retry_gap_s), ended)
        try:
            moved = await asyncio.to_thread(
                finish_attempt, self.engine, c.attempt_id, str(result), _utc(ended), state=str(outcome.state),
                next_at=_utc(outcome.next_at) if outcome.next_at is not None else None, owner=self.owner,
                connected_at=_utc(connected) if connected is not None else None, detail=detail)
        except Exception:   # stays dialing: recover() closes it at the next start
            calls_log.exception("callback attempt %d: result %s not stored", c.attempt, result)
            return
        calls_log.info("callback request %d attempt %d: %s -> %s%s", c.request_id, c.attempt, result,
                       outcome.state if moved else "unchanged (done by hand meanwhile)",
                       f", next at {_utc(outcome.next_at).isoformat()}" if moved and outcome.next_at else "")

    async def recover(self) -> int:
        """Close the attempts this controller left dialing (it stopped during them): answered if
        the queue leg's record says so and that leg is the caller's (caller-first), else lost
        and retried. Returns how many."""
        try:
            left = await asyncio.to_thread(attempts_of, self.engine, open_of=self.owner)
        except Exception:
            log.exception("callback attempts of an earlier run not read")
            return 0
        settings = self.current().settings.queues.callbacks
        for a in left:
            cfg = settings.get(a.queue) or CallbackSettings()
            # agent-first's queue leg is the agent's side: an agent answers it before the caller
            # is rung, so its record cannot say the caller answered (that was Dial's U() event,
            # gone with this process). Lost and called again beats a callback marked done unheard.
            connected = None if a.mode == "agent-first" else \
                await asyncio.to_thread(queue_answered_at, self.engine, a.queue_unique_id)
            result = Result.ANSWERED if connected else Result.LOST
            claim = Claim(a.request_id, a.id, a.attempt, a.queue, "", "", "", a.requested_at)
            att = _Attempt(claim, cfg, a.channel_id, a.queue_unique_id, "")
            await self._finish(att, result, _epoch(connected), "controller stopped during the attempt",
                               logging.LoggerAdapter(log, {"uid": a.channel_id}))
        return len(left)

    # -- AMI (panoramisk calls this on its loop: never block)

    def _on_event(self, manager, event) -> None:
        if not self.attempts:
            return
        name = event.get("Event", "")
        att = None
        if name == "OriginateResponse":
            att = self.attempts.get(event.get("Uniqueid", "")) or next(
                (a for a in self.attempts.values() if a.action_id and a.action_id == event.get("ActionID")), None)
        elif name == "UserEvent":
            if event.get("UserEvent") == "IVRCallback":
                att = self.attempts.get((event.get("Callback") or "").strip())
        elif name == "AgentConnect":
            att = next((a for a in self.attempts.values() if a.queue_uid == event.get("Uniqueid")), None)
        elif name == "Hangup":
            att = self.attempts.get(event.get("Uniqueid", ""))
        if att is not None:
            att.events.put_nowait(event)
