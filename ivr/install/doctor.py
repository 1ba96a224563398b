"""`ivr doctor`: checks a live Asterisk over AMI, as the controller will use it.

One line per check, `ok` or `FAIL`, with why and the fix:

- login: the AMI user of config.yaml's `ami:` logs in (a wrong secret stops here).
- version: CoreSettings' AsteriskVersion (20 or later; the engine is tested on 22).
- systemname: CoreSettings' SystemName is the `name` config.yaml gives this Asterisk
  (the calls carry the systemname, the queue records the name: they must agree). With
  several Asterisks each needs one, all different: it is what keeps their unique ids
  apart (main/channel.c prefixes them with it).
- AMI write permissions: ListCommands lists only the actions this user may send,
  so each action the engine sends (asterisk_config.AMI_ACTIONS) must be there.
- AMI read permissions: exact from `manager show user` when the user may send
  Command (least privilege says it may not); otherwise from what arrives during
  the checks: `user` (our UserEvent) and `call` (the round trip's Hangup).
  `agent` events come only with queue traffic, so without Command it is named
  as not verifiable, not failed.
- timestampevents: exact from `manager show settings` with Command, else whether
  our own UserEvent came back with a Timestamp.
- modules: ModuleCheck when the user has `system` write; otherwise app_queue by
  QueueStatus answering, res_agi by the round trip, app_mixmonitor by the round
  trip's `EXEC StopMixMonitor` (harmless with no recording running).
- queues: every queue the config's hotlines use (and --queue ones) is in QueueStatus.
- FastAGI round trip: the doctor serves FastAGI itself on --agi-host:--agi-port and
  originates a Local channel into the dialplan's [ivr-doctor] context, which runs
  AGI(agi://IVR_DOCTOR_AGI/doctor,IVR_AGI_TOKEN): Asterisk must reach the doctor,
  and the token it passes must be the controller's.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass

from ..errors import AMIError
from .asterisk_config import AMI_ACTIONS, AMI_READ

MODULES = ("res_agi.so", "app_queue.so", "app_mixmonitor.so", "app_read.so", "app_playback.so",
           "app_userevent.so")
DOCTOR_CONTEXT = "ivr-doctor"
MIN_MAJOR = 20


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


@dataclass
class RoundTrip:
    connected: bool = False
    token_ok: bool | None = None     # None: the controller asks no token
    token_seen: str = ""
    mixmonitor: str | None = None    # StopMixMonitor's result line
    status: str = ""                 # the dialplan's AGISTATUS
    problem: str = ""
    address: str = ""                # host:port the doctor served on


def _output(reply) -> str:
    first = reply[0] if isinstance(reply, list) else reply
    out = first.get("Output", "") or ""
    lines = out if isinstance(out, list) else [out]
    return "\n".join([*lines, getattr(first, "content", "") or ""])


class _DoctorAGI:
    """A FastAGI server of one session: reads the headers, checks the token, runs
    StopMixMonitor, and closes."""

    def __init__(self, token: str):
        self.token = token
        self.result = RoundTrip()
        self.done = asyncio.get_running_loop().create_future()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        r = self.result
        try:
            headers: dict[str, str] = {}
            while True:
                line = (await asyncio.wait_for(reader.readline(), 5)).decode(errors="replace").rstrip("\r\n")
                if not line:
                    break
                key, _, value = line.partition(":")
                headers[key.strip()] = value.strip()
            r.connected = True
            r.token_seen = headers.get("agi_arg_1", "")
            r.token_ok = None if not self.token else r.token_seen == self.token
            writer.write(b"EXEC StopMixMonitor\n")
            await writer.drain()
            r.mixmonitor = (await asyncio.wait_for(reader.readline(), 5)).decode(errors="replace").strip()
        except (asyncio.TimeoutError, OSError) as exc:
            r.problem = f"the session broke off: {exc or 'timeout'}"
        finally:
            writer.close()
            if not self.done.done():
                self.done.set_result(r)


async def run_checks(settings, queues: list[str], agi_host: str, agi_port: int, agi_token: str,
                     timeout: float = 15, ami=None) -> list[Check]:
    """The checks of one Asterisk: `ami` (an AMISettings of settings.asterisks; default the first)."""
    from dataclasses import replace

    from ..ami.client import AMIClient

    if ami is not None:
        settings = replace(settings, ami=ami)
    checks: list[Check] = []
    where = f"{settings.ami.host}:{settings.ami.port}"
    refused = await _login_refused(settings.ami)
    if refused:
        return [Check("AMI login", False, refused)]
    try:
        client = AMIClient(settings.ami)
        await client.connect(timeout=10)
    except AMIError as exc:
        return [Check("AMI login", False, f"{exc}; fix ami.host/port/username in the config or the secret "
                                          "($IVR_AMI_SECRET, ami.secret_file) to match manager.conf")]
    checks.append(Check("AMI login", True, f"user {settings.ami.username!r} at {where}"))
    seen: list = []
    client.manager.register_event("*", lambda manager, event: seen.append(event))
    try:
        checks += await _checks(client, seen, settings, queues, agi_host, agi_port, agi_token, timeout)
    finally:
        client.close()
    return checks


def _systemname_check(settings, system: str) -> Check:
    named = settings.ami.name
    several = len(settings.asterisks) > 1
    if named and system == named:
        return Check("systemname", True, f"{system} (the name config.yaml gives it)")
    if named:
        return Check("systemname", False, f"Asterisk's systemname is {system or '(none)'!r} but config.yaml names it "
                                          f"{named!r}: set systemname = {named} in asterisk.conf [options] (and "
                                          "restart Asterisk), or the ami: entry's name to the systemname")
    if several:   # config.yaml refuses an unnamed entry among several; kept for the record
        return Check("systemname", False, "several Asterisks need a name each in config.yaml's ami:")
    return Check("systemname", True, f"{system or '(none)'}; set systemname in asterisk.conf and ami.name before "
                                     "adding a second Asterisk")


async def _login_refused(ami) -> str:
    """Log in once by hand: a refused login or a closed port named at once, with the fix
    (panoramisk would keep retrying a wrong secret until the timeout). "" when it logs in."""
    where = f"{ami.host}:{ami.port}"
    try:
        secret = ami.secret()
    except Exception as exc:   # no secret configured
        return f"{exc}"
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(ami.host, ami.port), 5)
    except (OSError, asyncio.TimeoutError) as exc:
        return (f"cannot reach AMI at {where}: {exc or 'timeout'}; is manager.conf's [general] enabled = yes, "
                "and its bindaddr/port the config's ami.host/port?")
    try:
        await asyncio.wait_for(reader.readline(), 5)   # the banner
        writer.write(f"Action: Login\r\nUsername: {ami.username}\r\nSecret: {secret}\r\nEvents: off\r\n\r\n"
                     .encode())
        await writer.drain()
        reply: dict[str, str] = {}
        while True:
            line = (await asyncio.wait_for(reader.readline(), 5)).decode(errors="replace").strip()
            if not line:
                break
            key, _, value = line.partition(":")
            reply[key.strip().lower()] = value.strip()
        if reply.get("response", "").lower() != "success":
            return (f"AMI at {where} refused login for user {ami.username!r}: "
                    f"{reply.get('message') or 'no answer'}; the secret ($IVR_AMI_SECRET or ami.secret_file) "
                    "must be the user's secret= in manager.conf, and this host in its permit=")
        writer.write(b"Action: Logoff\r\n\r\n")
        await writer.drain()
        return ""
    except (OSError, asyncio.TimeoutError) as exc:
        return f"AMI at {where} did not answer the login: {exc or 'timeout'}"
    finally:
        writer.close()


async def _checks(client, seen, settings, queues, agi_host, agi_port, agi_token, timeout) -> list[Check]:
    out: list[Check] = []
    # -- version
    try:
        core = await client.action({"Action": "CoreSettings"})
        version = core.get("AsteriskVersion", "")
        m = re.match(r"(\d+)", version)
        if m and int(m.group(1)) >= MIN_MAJOR:
            out.append(Check("version", True, f"Asterisk {version}"))
        else:
            out.append(Check("version", False, f"Asterisk {version or '(unknown)'}: the engine needs {MIN_MAJOR} "
                                               "or later and is tested on 22; upgrade Asterisk"))
        out.append(_systemname_check(settings, core.get("SystemName", "") or ""))
    except AMIError as exc:
        out.append(Check("version", False, f"CoreSettings refused ({exc}): give the AMI user write = reporting"))

    # -- write permissions: ListCommands lists what this user may send
    actions: set[str] = set()
    try:
        listed = await client.action({"Action": "ListCommands"})
        actions = {k.lower() for k in listed.keys()}
    except AMIError as exc:
        out.append(Check("AMI write permissions", False, f"ListCommands refused: {exc}"))
    if actions:
        missing = sorted({perm for action, perm in AMI_ACTIONS.items() if action.lower() not in actions})
        lacking = [a for a, p in AMI_ACTIONS.items() if p in missing]
        if missing:
            out.append(Check("AMI write permissions", False,
                             f"cannot send {', '.join(lacking)}: add {','.join(missing)} to the user's write= "
                             "in manager.conf and `manager reload`"))
        else:
            out.append(Check("AMI write permissions", True, ", ".join(AMI_ACTIONS)))
    can_command = "command" in actions
    can_system = "modulecheck" in actions

    # -- what Command tells exactly (a user with write=command only)
    read_perm: str | None = None
    timestamps: bool | None = None
    if can_command:
        try:
            user = _output(await client.action({"Action": "Command",
                                                "Command": f"manager show user {settings.ami.username}"}))
            conf = _output(await client.action({"Action": "Command", "Command": "manager show settings"}))
            for line in user.splitlines():
                if line.strip().lower().startswith("read perm:"):
                    read_perm = line.split(":", 1)[1].strip().lower()
            for line in conf.splitlines():
                if line.strip().lower().startswith("timestamp events:"):
                    timestamps = line.split(":", 1)[1].strip().lower() == "yes"
        except AMIError:
            pass

    # -- a UserEvent to ourselves: user read, and whether events carry a Timestamp
    token = uuid.uuid4().hex[:12]
    probe = client.wait_for(lambda e: e.get("Event") == "UserEvent" and e.get("UserEvent") == "IVRDoctorProbe"
                            and e.get("Probe") == token)
    probe_event = None
    try:
        await client.action({"Action": "UserEvent", "UserEvent": "IVRDoctorProbe", "Probe": token})
        probe_event = await asyncio.wait_for(probe, 5)
    except (AMIError, asyncio.TimeoutError):
        probe.cancel()

    # -- queues
    queue_ok = False
    try:
        reply = await client.action({"Action": "QueueStatus"}, as_list=True, timeout=timeout)
        have = {e.get("Queue") for e in reply if e.get("Event") == "QueueParams"}
        queue_ok = True
        missing = [q for q in queues if q not in have]
        if missing:
            out_queues = Check("queues", False, f"not in Asterisk: {', '.join(missing)} (it has: "
                                                f"{', '.join(sorted(have)) or 'none'}); add them to queues.conf "
                                                "(FreePBX: the Queues module or queues_custom.conf) and "
                                                "`queue reload all`")
        else:
            out_queues = Check("queues", True, ", ".join(queues) or "(the config names none)")
    except (AMIError, asyncio.TimeoutError) as exc:
        out_queues = Check("queues", False, f"QueueStatus failed ({exc or 'timeout'}): is app_queue loaded?")

    # -- FastAGI round trip
    trip, hangup_seen = await _round_trip(client, agi_host, agi_port, agi_token, timeout)

    # -- read permissions
    if read_perm is not None:
        granted = {p.strip() for p in read_perm.split(",")}
        lacking = [p for p in AMI_READ if p not in granted and "all" not in granted]
        out.append(Check("AMI read permissions", not lacking,
                         f"read = {read_perm}" if not lacking else
                         f"read = {read_perm} lacks {','.join(lacking)}: add them to the user's read= in "
                         "manager.conf and `manager reload`"))
    else:
        lacking = ([] if probe_event is not None else ["user"]) + ([] if hangup_seen else ["call"])
        if lacking:
            out.append(Check("AMI read permissions", False,
                             f"no {' or '.join(lacking)} events arrived: add {','.join(lacking)} to the user's "
                             "read= in manager.conf and `manager reload`"))
        else:
            out.append(Check("AMI read permissions", True,
                             "user and call events arrive; agent events come only with queue traffic and "
                             "cannot be seen from here without write=command: make sure read= has agent"))

    # -- timestampevents
    if timestamps is None and probe_event is not None:
        timestamps = bool(probe_event.get("Timestamp"))
    if timestamps is None:
        out.append(Check("timestampevents", False, "cannot tell: no event of ours came back (see read permissions)"))
    elif timestamps:
        out.append(Check("timestampevents", True, "events carry their Timestamp"))
    else:
        out.append(Check("timestampevents", False, "off: handle times fall back to whole seconds; set "
                                                   "timestampevents = yes in manager.conf's [general] and "
                                                   "restart Asterisk"))

    # -- modules
    if can_system:
        missing = []
        for module in MODULES:
            try:
                await client.action({"Action": "ModuleCheck", "Module": module})
            except AMIError:
                missing.append(module)
        out.append(Check("modules", not missing, ", ".join(MODULES) + " loaded" if not missing else
                         f"not loaded: {', '.join(missing)}; `module load NAME` and add load => NAME to "
                         "modules.conf"))
    else:
        problems = []
        if not queue_ok:
            problems.append("app_queue (QueueStatus failed)")
        if not trip.connected:
            problems.append("res_agi (no FastAGI session; see the round trip)")
        elif trip.mixmonitor is not None and "result=-2" in trip.mixmonitor:
            problems.append("app_mixmonitor (StopMixMonitor is not an application)")
        elif trip.mixmonitor is None:
            problems.append("app_mixmonitor (not asked: the session broke off)")
        out.append(Check("modules", not problems,
                         "app_queue, res_agi, app_mixmonitor answer" if not problems else
                         f"missing or unchecked: {'; '.join(problems)}; `module load NAME.so` and add "
                         "load => NAME.so to modules.conf"))
    out.append(out_queues)

    # -- the round trip's line
    if trip.connected and trip.token_ok is not False and not trip.problem:
        out.append(Check("FastAGI round trip", True,
                         f"Asterisk ran AGI(agi://{trip.address}/doctor) "
                         + ("with the controller's token" if trip.token_ok else "(the controller asks no token)")))
    elif trip.connected and trip.token_ok is False:
        out.append(Check("FastAGI round trip", False,
                         "the dialplan passes another token than the controller's: set IVR_AGI_TOKEN in the "
                         "dialplan's globals to the controller's secret (controller.secret_file or "
                         "$IVR_AGI_SECRET)" + (" (it passes none)" if not trip.token_seen else "")))
    else:
        out.append(Check("FastAGI round trip", False, trip.problem or "no session"))
    return out


async def _round_trip(client, agi_host: str, agi_port: int, agi_token: str, timeout: float):
    """Serve one FastAGI session and originate the call that opens it. (RoundTrip, Hangup seen)."""
    agi = _DoctorAGI(agi_token)
    server = await asyncio.start_server(agi.handle, host=agi_host, port=agi_port)
    port = server.sockets[0].getsockname()[1]
    host = f"[{agi_host}]" if ":" in agi_host else agi_host
    channel_id = f"ivrdoctor-{uuid.uuid4().hex[:12]}"
    other_id = channel_id + "-2"
    ended = client.wait_for(lambda e: e.get("Event") == "UserEvent" and e.get("UserEvent") == "IVRDoctor"
                            and e.get("Uniqueid") == other_id)
    hangup = client.wait_for(lambda e: e.get("Event") == "Hangup" and e.get("Uniqueid") in (channel_id, other_id))
    trip = agi.result
    trip.address = f"{host}:{port}"
    try:
        try:
            await client.action({"Action": "Originate", "Channel": f"Local/s@{DOCTOR_CONTEXT}",
                                 "Application": "Wait", "Data": "5", "Async": "true", "Timeout": "10000",
                                 "ChannelId": channel_id, "OtherChannelId": other_id,
                                 "Variable": [f"IVR_DOCTOR_AGI={host}:{port}"]})
        except AMIError as exc:
            trip.problem = f"Originate refused: {exc} (the AMI user needs write = originate)"
            return trip, False
        deadline = time.monotonic() + timeout
        try:
            await asyncio.wait_for(asyncio.shield(agi.done), timeout)
        except asyncio.TimeoutError:
            pass
        try:
            status = await asyncio.wait_for(asyncio.shield(ended), max(0.5, deadline - time.monotonic()))
            trip.status = status.get("AGIStatus", "")
        except asyncio.TimeoutError:
            pass
        if not trip.connected and not trip.problem:
            if trip.status == "FAILURE":
                trip.problem = (f"Asterisk could not connect to agi://{host}:{port} (AGISTATUS=FAILURE): "
                                "is --agi-host an address Asterisk reaches this machine on, and the port open?")
            elif trip.status:
                trip.problem = f"AGI ended with AGISTATUS={trip.status} and no session reached the doctor"
            else:
                trip.problem = (f"no FastAGI session within {timeout:g} s and no IVRDoctor event: is the "
                                f"[{DOCTOR_CONTEXT}] context of `ivr asterisk-config`'s dialplan loaded "
                                "(`dialplan show ivr-doctor`), and res_agi?")
        try:
            await asyncio.wait_for(asyncio.shield(hangup), 7)
            hangup_seen = True
        except asyncio.TimeoutError:
            hangup_seen = False
        return trip, hangup_seen
    finally:
        for fut in (ended, hangup):
            if not fut.done():
                fut.cancel()
        server.close()
