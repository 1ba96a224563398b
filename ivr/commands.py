"""One function per `ivr` command; each returns the exit status."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime, timezone

from .config import load_settings
from .errors import IVRError


def sandbox_for(settings):
    from .sandbox.chroot import Sandbox
    return Sandbox.for_project(settings.base, settings.state_dir / "sandbox",
                               [settings.prompts_dir, settings.recordings.directory])


def cmd_validate(args) -> int:
    from .menu.validate import validate_file
    problems = validate_file(args.config)
    for p in problems:
        print(p.format())
    errors = sum(p.severity == "error" for p in problems)
    if not errors:
        print(f"{args.config}: ok ({len(problems)} warning(s))", file=sys.stderr)
    return 1 if errors else 0


def cmd_simulate(args) -> int:
    from .channel.fake import FakeChannel
    from .channel.interface import CallInfo
    from .controller import load
    from .menu.interpreter import CallContext
    from .menu.session import SessionDriver
    from .store.calllog import CallRecord

    loaded = load(args.config)
    menu = loaded.menu
    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise IVRError(f"--at {args.at!r} is not an ISO-8601 time") from None
        if at.tzinfo is None:
            hours = next(iter(menu.hours.values()), None)
            from zoneinfo import ZoneInfo
            at = at.replace(tzinfo=ZoneInfo(hours.timezone) if hours else timezone.utc)
    lang = args.lang or menu.default_language
    if lang not in menu.languages:
        raise IVRError(f"--lang {lang!r} is not one of the menu's languages {list(menu.languages)}")
    info = CallInfo(unique_id="simulated", caller_id=args.caller_id)
    channel = FakeChannel(info, args.digits, args.queue_status)
    record = CallRecord(unique_id="simulated", caller_id=args.caller_id)
    ctx = CallContext(language=lang, caller_id=args.caller_id, at=at)
    emit = lambda line: print(json.dumps(line, ensure_ascii=False), flush=True)  # noqa: E731
    from .data.lookup import DataSource
    from .store.db import open_engine
    data = DataSource(open_engine(loaded.settings.database_url), read_only=True)
    driver = SessionDriver(menu, channel, ctx, record, loaded.prompts, loaded.settings.recordings.directory,
                           observer=emit, data=data)
    asyncio.run(driver.run())
    return 0


def cmd_serve(args) -> int:
    from .controller import Controller, load
    controller = Controller(load(args.config))
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(controller.run())
    return 0


def cmd_agi(args) -> int:
    from .agi.classic import ClassicAGIChannel
    from .controller import load, run_call
    from .store.calllog import CallLogWriter
    from .store.db import open_engine
    from .data.lookup import DataSource
    loaded = load(args.config)
    engine = open_engine(loaded.settings.database_url)
    writer = CallLogWriter(engine)
    try:
        asyncio.run(run_call(loaded, ClassicAGIChannel(), writer, DataSource(engine)))
    finally:
        writer.close()
    return 0


def cmd_report(args) -> int:
    from .reports.command import cmd_report as run
    return run(args)


def cmd_say(args) -> int:
    from .speech.command import cmd_say as run
    return run(args)


def cmd_data(args) -> int:
    from .data.load import check_file, write
    from .store.db import open_engine
    settings = load_settings(args.config)
    loaded = check_file(args.file)
    for p in loaded.problems:
        print(p.format(), file=sys.stderr)
    if loaded.problems:
        print(f"ivr data load: {len(loaded.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    counts = write(open_engine(settings.database_url), loaded)
    print("loaded " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n))
    return 0


def cmd_sandbox(args) -> int:
    settings = load_settings(args.config)
    sb = sandbox_for(settings)
    if args.action == "up":
        sb.up()
        print(f"Asterisk is up: {sb.version()} (AMI 127.0.0.1:5038, SIP 127.0.0.1:5060, chroot {sb.root})")
    elif args.action == "down":
        sb.down()
        print("Asterisk is down")
    else:
        if sb.is_up():
            print(f"up: {sb.version()} (chroot {sb.root})")
        else:
            print(f"down (chroot {'built' if sb.built() else 'not built'} at {sb.root})")
            return 1
    return 0


def cmd_call(args) -> int:
    from .ami.client import AMIClient
    from .ami.testcall import dtmf_script, place_call
    from .store.calllog import call_summary, get_call
    from .store.db import open_engine

    settings = load_settings(args.config)
    try:
        dtmf_script(args.digits)
        extra = dict(_var(v) for v in args.var)
    except ValueError as exc:
        print(f"ivr call: error: {exc}", file=sys.stderr)
        return 2
    engine = open_engine(settings.database_url)

    async def run() -> str:
        ami = AMIClient(settings.ami)
        await ami.connect()
        try:
            # The call reaches the controller of this config, whatever port it listens on.
            placed, hungup = await place_call(ami, args.digits, args.caller_id, args.called, gap=args.gap,
                                              hold=args.hold,
                                              extra_vars={**extra, "__IVR_AGI_PORT": str(settings.controller.port)})
            try:
                await asyncio.wait_for(hungup, args.timeout)
            except asyncio.TimeoutError:
                raise IVRError(f"call {placed.ivr_unique_id} still running after {args.timeout:g} s") from None
            return placed.ivr_unique_id
        finally:
            ami.close()

    uid = asyncio.run(run())
    # The controller writes the record in its `finally`, just after the hangup.
    deadline = time.monotonic() + 15
    while True:
        call = get_call(engine, uid)
        if call is not None and call.ended_at is not None:
            break
        if time.monotonic() > deadline:
            raise IVRError(f"call {uid} ended but is not in the call log: is `ivr serve` running "
                           f"with database {settings.database_url}?")
        time.sleep(0.1)
    print(json.dumps(call_summary(call), ensure_ascii=False))
    return 0


def _var(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip("_").replace("_", "").isalnum():
        raise ValueError(f"--var {text!r}: use NAME=VALUE")
    return name, value


def cmd_calls(args) -> int:
    from .store.calllog import call_summary, get_call, list_calls
    from .store.db import open_engine

    engine = open_engine(load_settings(args.config).database_url)
    if args.action == "show":
        if not args.id:
            print("ivr calls show: error: give a call id or unique id", file=sys.stderr)
            return 2
        call = get_call(engine, args.id)
        if call is None:
            raise IVRError(f"no call {args.id!r} in the call log")
        summary = call_summary(call)
        if args.format == "json":
            print(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            for key in ("id", "unique_id", "caller_id", "called", "language", "started_at", "ended_at",
                        "duration", "digits", "outcome", "hangup_cause", "error"):
                print(f"{key:>13}: {summary[key]}")
            print("         path: " + " > ".join(summary["path"] or []))
            for s in summary["steps"]:
                print(f"   {s['at'][11:23]}  {s['node']:<16} {s['action']:<12} {s['digits']:<6} {s['detail']}")
        return 0
    calls = list_calls(engine, args.limit)
    if args.format == "json":
        for call in calls:
            print(json.dumps({k: v for k, v in call_summary(call).items() if k not in ("steps", "path")}))
        return 0
    print(f"{'ID':>5}  {'STARTED (UTC)':<19}  {'CALLER':<14} {'CALLED':<10} {'DIGITS':<12} {'DUR':>6}  OUTCOME")
    for call in calls:
        s = call_summary(call)
        dur = f"{s['duration']:.1f}" if s["duration"] is not None else "-"
        print(f"{s['id']:>5}  {s['started_at'][:19]:<19}  {s['caller_id'][:14]:<14} {s['called'][:10]:<10} "
              f"{s['digits'][:12]:<12} {dur:>6}  {s['outcome'] or 'in progress'}")
    return 0


def cmd_prompts(args) -> int:
    from .audio.command import cmd_prompts as run
    return run(args)


def cmd_graph(args) -> int:
    from .controller import load
    from .menu.graph import render
    render(load(args.config).menu, args.output)
    print(f"wrote {args.output}")
    return 0


def cmd_recordings(args) -> int:
    from .recordings.command import cmd_recordings as run
    return run(args)


def cmd_web(args) -> int:
    from .web.command import cmd_web as run
    return run(args)


def cmd_callbacks(args) -> int:
    from .queues.callbacks import cmd_callbacks as run
    return run(args)
