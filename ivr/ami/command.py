"""`ivr call`: a test call placed through Asterisk over AMI, its call-log summary printed when it ends."""

from __future__ import annotations

import json
import time

from ..errors import IVRError


def add_call_parser(subparsers) -> None:
    s = subparsers.add_parser("call", help="place a test call through Asterisk and print its summary")
    s.add_argument("--digits", default="")
    s.add_argument("--caller-id", default="")
    s.add_argument("--called", default="", metavar="NUMBER",
                   help="the number the caller dials: it picks the hotline, as a trunk's or the softphone's would")
    s.add_argument("--gap", type=float, default=3.0, help="seconds between presses")
    s.add_argument("--hold", type=float, default=60.0, help="seconds the caller listens after its last press")
    s.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                   help="a channel variable for the call (e.g. __AGENT_TALK_SECONDS=5 for test agents)")
    s.add_argument("--timeout", type=float, default=300.0)
    s.set_defaults(func=cmd_call)


def cmd_call(args) -> int:
    import asyncio

    from ..cli_support import database, settings
    from ..store.calls import call_summary, get_call
    from .client import AMIClient
    from .testcall import dtmf_script, place_call

    try:
        dtmf_script(args.digits)
        extra = dict(_var(v) for v in args.var)
    except ValueError as exc:
        raise IVRError(str(exc)) from None
    config = settings(args)

    fallbacks: dict[str, dict] = {}

    def fallback_seen(event) -> bool:
        # The dialplan's IVRFallback: no controller served the call. Kept for after the hangup
        # (registered before the call is placed, so that an early one is not missed).
        if event.event == "UserEvent" and event.get("UserEvent") == "IVRFallback":
            fallbacks[event.get("Uniqueid", "")] = {k: event.get(k, "") for k in ("Queue", "AGIStatus", "Hotline")}
        return False

    async def run() -> str:
        ami = AMIClient(config.ami)
        await ami.connect()
        watcher = ami.wait_for(fallback_seen)
        try:
            # The call reaches the controller of this config, whatever port it listens on.
            placed, hungup = await place_call(ami, args.digits, args.caller_id, args.called, gap=args.gap,
                                              hold=args.hold,
                                              extra_vars={**extra, "__IVR_AGI_PORT": str(config.controller.port)})
            try:
                await asyncio.wait_for(hungup, args.timeout)
            except asyncio.TimeoutError:
                raise IVRError(f"call {placed.ivr_unique_id} still running after {args.timeout:g} s") from None
            return placed.ivr_unique_id
        finally:
            watcher.cancel()
            ami.close()

    with database(config) as engine:
        uid = asyncio.run(run())
        if uid in fallbacks:
            _fallback(uid, args.called, fallbacks[uid], config.controller.port)
        # The controller writes the record in its `finally`, just after the hangup.
        deadline = time.monotonic() + 15
        while True:
            call = get_call(engine, uid)
            if call is not None and call.ended_at is not None:
                break
            if time.monotonic() > deadline:
                raise IVRError(f"call {uid} ended but is not in the call log: is `ivr serve` running "
                               f"with database {config.database_url}?")
            time.sleep(0.1)
        print(json.dumps(call_summary(call), ensure_ascii=False))
    return 0


def _fallback(uid: str, called: str, event: dict, port: int) -> None:
    """A call no controller served: the dialplan's fallback queue took it, and the call log has
    no row. Its summary (outcome `fallback:QUEUE`, as the dialplan sets IVR_OUTCOME), then exit 1."""
    queue, hotline = event["Queue"], event["Hotline"]
    print(json.dumps({"unique_id": uid, "called": called, "hotline": hotline, "outcome": f"fallback:{queue}",
                      "agi_status": event["AGIStatus"]}, ensure_ascii=False), flush=True)
    number = f"to {called} (hotline {hotline or 'default'})" if called else "to the default hotline"
    status = event["AGIStatus"]
    what = "reached no controller" if status == "FAILURE" else "lost its controller mid-call"
    raise IVRError(f"call {uid} {number} {what} (AGISTATUS={status}): the dialplan sent it to the fallback "
                   f"queue {queue}; is `ivr serve` of this config running (port {port})?")


def _var(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip("_").replace("_", "").isalnum():
        raise ValueError(f"--var {text!r}: use NAME=VALUE")
    return name, value
