"""The wallboard (/live), its server-sent events, agent actions, and the console's /metrics.

Where the console gets the live state: its own AMI link (one AMIClient, opened
in the app's lifespan), not `ivr serve`. Why:
- `ivr web` and `ivr serve` are separate services that start, stop and restart
  on their own: a wallboard fed by serve would go dark with it (and during a
  drain), while Asterisk is what actually holds the queues;
- the agent actions (QueuePause, QueueAdd, QueueRemove) need an AMI link from
  the console anyway, and reading serve's state would need a second protocol
  between the two processes, with its own auth;
- the state is rebuilt from Asterisk (QueueStatus) at every login and every
  `live.resync_s`, so two links cannot drift apart for long; one more AMI
  reader costs Asterisk next to nothing.
Today's figures come from the same AMI events, merged with the handle-time
records serve's consumer stored (ivr/live/store.py), so a console started
mid-day counts the whole day.

/live is for ops and admins; the actions are admin-only, CSRF-protected like
every other console form, and each is written to the audit log (actor,
`agent-pause` / `agent-unpause` / `agent-login` / `agent-logout`, the
interface, and the queue, reason and Asterisk's answer in the detail).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sse_starlette.sse import EventSourceResponse

from ..config import Settings
from ..errors import IVRError, LoginRequired
from ..live import metrics
from ..live.feed import LiveFeed
from ..live.state import LiveState
from .auth import SessionData
from .context import _session, check_csrf, console, page, page_session

log = logging.getLogger("ivr.web.live")
router = APIRouter()

HEARTBEAT_S = 5.0      # a state event at least this often (the page reconnects after 3 silent periods)
ACTIONS = {"pause": "agent-pause", "unpause": "agent-unpause", "login": "agent-login", "logout": "agent-logout"}
_SAFE = re.compile(r"^[^\r\n\x00]*$")     # AMI is line-based: a newline in a value would forge headers


def office_timezone(raw: dict) -> str:
    """The office's zone as the menu has it (Menu.timezone: the first hours entry's), without
    building the menu (the console runs with configs that have none)."""
    hours = raw.get("hours") if isinstance(raw, dict) else None
    if isinstance(hours, dict):
        for entry in hours.values():
            if isinstance(entry, dict) and isinstance(entry.get("timezone"), str):
                return entry["timezone"]
            break
    return "UTC"


def build_feed(settings: Settings, engine) -> LiveFeed:
    from ..queues.conf import wrapup_times
    try:
        state = LiveState(office_timezone(settings.raw), settings.queues.service_level_s,
                          wrapup_times(settings.queues.queues_conf))
    except Exception:   # an unknown zone is `ivr validate`'s to report; the board still runs
        state = LiveState("UTC", settings.queues.service_level_s)
    return LiveFeed(None, state, engine, settings.live.resync_s)


@asynccontextmanager
async def lifespan(app):
    """Open the console's AMI link in the background (panoramisk reconnects by itself)."""
    from ..ami.client import AMIClient
    feed: LiveFeed = app.state.live
    settings: Settings = app.state.settings
    client = None
    try:
        client = AMIClient(settings.ami, on_login=feed.on_login, on_disconnect=feed.on_disconnect)
    except IVRError as exc:   # no AMI secret: the board says why, the rest of the console works
        log.warning("wallboard without AMI: %s", exc)
        feed.mark_unavailable(f"no AMI link: {exc}")
    else:
        feed.attach(client)
        client.manager.connect()
    metrics.watch_live(feed)
    try:
        yield
    finally:
        metrics.unwatch(feed)
        feed.close()
        if client is not None:
            client.close()


def _feed(request: Request) -> LiveFeed:
    return request.app.state.live


@router.get("/live")
def live_page(request: Request, session: SessionData = Depends(page_session)):
    s = request.app.state.settings.live
    thresholds = {"wait_amber": s.longest_wait_amber_s, "wait_red": s.longest_wait_red_s,
                  "waiting_amber": s.waiting_amber, "waiting_red": s.waiting_red,
                  "sl_amber": s.service_level_amber, "sl_red": s.service_level_red}
    wall = request.query_params.get("wall") == "1"
    return page("live.html", session, wall=wall, thresholds=json.dumps(thresholds),
                initial=json.dumps(_feed(request).snapshot().to_json()).replace("</", "<\\/"))


@router.get("/live/state")
def live_state(request: Request, session: SessionData = Depends(page_session)):
    return JSONResponse(_feed(request).snapshot().to_json())


@router.get("/live/events")
async def live_events(request: Request):
    if _session(request) is None:     # EventSource shows no login page: a plain 401, the page retries
        raise LoginRequired(media=True)
    feed = _feed(request)

    async def stream():
        version = -1
        while True:
            if feed.state.version == version:
                await feed.wait_change(version, HEARTBEAT_S)
            snap = feed.snapshot()
            version = snap.version
            yield {"event": "state", "id": str(version), "data": json.dumps(snap.to_json()), "retry": 1000}

    return EventSourceResponse(stream(), ping=15, send_timeout=10)


@router.post("/live/agent")
async def agent_action(request: Request, csrf: str = Form(""), action: str = Form(""), queue: str = Form(""),
                       interface: str = Form(""), reason: str = Form(""), name: str = Form(""),
                       session: SessionData = Depends(page_session)):
    check_csrf(session, csrf)
    if not session.is_admin:
        raise HTTPException(403, f"{session.user} is {session.role}: agent actions need the admin role")
    ami_action, problem = _ami_action(action, queue.strip(), interface.strip(), reason.strip(), name.strip())
    if problem:
        raise HTTPException(400, problem)
    feed = _feed(request)
    ok, answer = False, "no AMI link"
    if feed.client is not None and feed.connected:
        try:
            reply = await feed.client.action(ami_action, timeout=5)
            first = reply[0] if isinstance(reply, list) else reply
            ok, answer = True, str(first.get("Message") or "Success")
        except Exception as exc:   # Asterisk refused (e.g. not a dynamic member), or the link dropped
            answer = str(exc) or type(exc).__name__
    detail = f"queue={queue.strip()}; " + (f"reason={reason.strip()}; " if action == "pause" and reason.strip() else "") \
        + f"result={'ok' if ok else 'failed'}: {answer}"
    from ..recordings.store import audit
    await asyncio.to_thread(audit, console(request).engine, session.user, ACTIONS[action], interface.strip()[:64],
                            detail[:1000])
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"ok": ok, "message": answer}, status_code=200 if ok else 502)
    if not ok:
        raise HTTPException(502, f"Asterisk did not do it: {answer}")
    return RedirectResponse("/live", status_code=303)


def _ami_action(action: str, queue: str, interface: str, reason: str, name: str) -> tuple[dict, str]:
    if action not in ACTIONS:
        return {}, f"action must be one of {', '.join(ACTIONS)}"
    if not queue or not interface:
        return {}, "a queue and an agent interface (e.g. PJSIP/alice) are needed"
    for label, value, limit in (("queue", queue, 64), ("interface", interface, 128), ("reason", reason, 80),
                                ("name", name, 80)):
        if len(value) > limit or not _SAFE.match(value):
            return {}, f"{label}: at most {limit} characters on one line"
    if action in ("pause", "unpause"):
        out = {"Action": "QueuePause", "Queue": queue, "Interface": interface,
               "Paused": "true" if action == "pause" else "false"}
        if reason:
            out["Reason"] = reason
        return out, ""
    if action == "login":
        out = {"Action": "QueueAdd", "Queue": queue, "Interface": interface, "Paused": "false"}
        if name:
            out["MemberName"] = name
        return out, ""
    return {"Action": "QueueRemove", "Queue": queue, "Interface": interface}, ""


@router.get("/metrics")
def metrics_endpoint():
    """Prometheus: the console's AMI link and the queues now (no personal data: counts per queue)."""
    body, ctype = metrics.exposition()
    return Response(body, media_type=ctype)
