"""What to add to a user's own Asterisk (`ivr asterisk-config --out DIR`).

Four files, each meant to be pasted into (or #included from) one of the
user's: the dialplan (dialplans/ivr-inbound.conf, the one the sandbox runs,
without its [globals] section, and with its [ivr-hotlines] routes written
from the config's hotlines: each number's hotline and fallback queue), the
globals it reads (the controller pool, the AGI token, the default fallback
queue), an AMI user with the permissions the
engine uses and no more, and a stub for each queue the config's hotlines
name. FreePBX has a `*_custom.conf` for each; README.txt says where each
piece goes. Nothing is read from or written to Asterisk itself.

Why a separate globals file: Asterisk reads only the first `[globals]`
section of the dialplan, so a second one in an included file would be
ignored without a word (FreePBX's own extensions.conf has the first and
pulls globals_custom.conf into it).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..hotlines.model import DIALPLAN_WORD

DIALPLAN = "ivr-inbound.conf"

# The AMI permissions the engine uses (manager.c and app_queue.c register each action
# with its class; the events the engine reads come in these classes):
#   read  agent: app_queue's QueueCaller*/Agent*/QueueMember* events (handle times, /live)
#         call: Hangup, MusicOnHold*, BlindTransfer/AttendedTransfer (agent hold, transfers,
#               the end of `ivr call`)
#         user: UserEvent (the dialplan's IVRQueueResult/IVRFallback, the link probe)
#   write originate: Originate (`ivr call`, the doctor's round trip)
#         agent: QueuePause, QueueAdd, QueueRemove (the console's /live actions)
#         user: UserEvent (the consumer's timestamp probe)
#         reporting: CoreShowChannels (reconciling queue records after a reconnect),
#                    CoreSettings (the doctor reads the version)
#   QueueStatus needs no permission.
AMI_READ = ("agent", "call", "user")
AMI_WRITE = ("originate", "agent", "user", "reporting")
# An action the engine sends and the permission it needs (for the doctor's check).
AMI_ACTIONS = {"Originate": "originate", "QueuePause": "agent", "QueueAdd": "agent", "QueueRemove": "agent",
               "UserEvent": "user", "CoreShowChannels": "reporting"}

_CONTROLLER = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>\d{1,5})")


@dataclass(frozen=True)
class Generated:
    files: dict[str, str]        # name in DIR -> content
    secret_files: tuple[str, ...]  # the ones holding a secret (written 0600)


def parse_controller(text: str) -> str:
    """`HOST:PORT` as the dialplan's pool holds it; ValueError naming the mistake."""
    m = _CONTROLLER.fullmatch(text.strip())
    if not m or not 0 < int(m.group("port")) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 10.0.0.5:4573)")
    if "&" in text or "," in text:
        raise ValueError(f"{text!r}: one controller per --controller")
    return f"{m.group('host')}:{int(m.group('port'))}"


def default_controller(host: str, port: int) -> str:
    """The config's own controller as Asterisk reaches it (a wildcard address is loopback)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return f"{host}:{port}"
    if ip.is_unspecified:
        return f"127.0.0.1:{port}"
    return f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"


def dialplan_source(base: Path) -> Path:
    """dialplans/ivr-inbound.conf beside the config (an install's own edited copy), else the
    one the package ships (the checkout's, or the installed wheel's copy of it)."""
    path = base / "dialplans" / DIALPLAN
    if path.is_file():
        return path
    from ..shipped import shipped
    try:
        return shipped(f"dialplans/{DIALPLAN}")
    except ConfigError as exc:
        raise ConfigError(f"cannot find dialplans/{DIALPLAN} beside the config ({base}); {exc}") from None


def split_globals(text: str) -> tuple[dict[str, str], str]:
    """The dialplan's [globals] (name -> value, in order) and the rest of the text without the
    two parts `ivr asterisk-config` writes from the config: [globals] itself and the
    [ivr-hotlines] routes (with the comment block just above that header)."""
    lines = text.splitlines(keepends=True)
    values: dict[str, str] = {}
    out: list[str] = []
    inside = ""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.split("]")[0][1:]
            if inside == "globals":
                continue
            if inside == ROUTES_CONTEXT:
                while out and out[-1].lstrip().startswith(";"):   # the section's own comment
                    out.pop()
                continue
            inside = ""
        if inside == "globals":
            body = stripped.split(";", 1)[0].strip()
            if "=" in body:
                name, value = body.split("=", 1)
                values[name.strip()] = value.strip()
            continue
        if inside == ROUTES_CONTEXT:
            if stripped.startswith(("exten", "same")):
                continue
            inside = ""   # the routes end at the first line that is not an extension's
        out.append(line)
    return values, "".join(out)


ROUTES_CONTEXT = "ivr-hotlines"
# Any other number ivr-inbound passes to the routes (it checks the same characters first: a
# Gosub to an extension that does not exist would hang the call up).
ROUTES_CATCH_ALL = "_[0-9A-Za-z*#+]!"


def hotline_routes(hotlines) -> str:
    """The [ivr-hotlines] context: for each number or pattern of each hotline (config order),
    set IVR_HOTLINE and, when the hotline has its own fallback_queue, IVR_FALLBACK_QUEUE (so a
    caller no controller serves lands in their client's queue; other numbers get the global
    default), then Return to ivr-inbound. ConfigError for a name no dialplan can hold."""
    lines = ["; The hotlines' numbers (config.yaml's hotlines:): each names its hotline and, if the",
             "; hotline has a fallback_queue, the queue its callers go to when no controller serves",
             "; them; every other number gets IVR_FALLBACK_QUEUE of [globals]. Written by",
             "; `ivr asterisk-config` from the config. Reached by Gosub from ivr-inbound, for a number",
             "; made of 0-9 A-Z a-z * # + only; the last pattern answers every other such number, as",
             "; no hotline's, and keeps the global fallback queue.",
             f"[{ROUTES_CONTEXT}]"]
    for hotline in hotlines.by_name.values():
        for value, what in ((hotline.name, "its name"), (hotline.fallback_queue, "fallback_queue")):
            if value and not DIALPLAN_WORD.fullmatch(value):
                raise ConfigError(f"hotline {hotline.name!r}: {what} {value!r} cannot be written into a dialplan "
                                  "(letters, digits and _ . + @ - only)")
        for number in hotline.numbers:
            lines.append(f"exten => {number.text},1,Set(IVR_HOTLINE={hotline.name})")
            if hotline.fallback_queue:
                lines.append(f" same => n,Set(IVR_FALLBACK_QUEUE={hotline.fallback_queue})")
            lines.append(" same => n,Return()")
    lines.append(f"exten => {ROUTES_CATCH_ALL},1,Return()")
    return "\n".join(lines) + "\n"


def queues_used(hotlines) -> list[str]:
    """Every queue the hotlines' menus hand callers to (queue and callback nodes) and their
    fallback queues, in first-seen order."""
    seen: dict[str, None] = {}
    for hotline in hotlines.by_name.values():
        for node in hotline.menu.nodes.values():
            name = getattr(node, "queue", None)
            if isinstance(name, str) and name:
                seen.setdefault(name)
        if hotline.fallback_queue:
            seen.setdefault(hotline.fallback_queue)
    return list(seen)


def default_fallback(hotlines, queues: list[str]) -> str:
    """The dialplan's fallback queue: the default hotline's, else `support` if a menu uses it,
    else the first queue a menu uses."""
    own = hotlines.by_name[hotlines.default].fallback_queue
    if own:
        return own
    if "support" in queues or not queues:
        return "support"
    return queues[0]


def ami_user_block(username: str, secret: str, permit: list[str]) -> str:
    lines = ["; The IVR controller's AMI user (`ivr asterisk-config`): what the engine uses, no more.",
             f"; read: {', '.join(AMI_READ)} events; write: {', '.join(AMI_WRITE)} actions (no command, system",
             "; or config). Events must carry their time: set timestampevents = yes in [general].",
             f"[{username}]", f"secret = {secret}", "deny = 0.0.0.0/0.0.0.0"]
    lines += [f"permit = {p}" for p in permit]
    lines += [f"read = {','.join(AMI_READ)}", f"write = {','.join(AMI_WRITE)}",
              "; Asterisk drops a reader that stalls longer than this; the controller never does.",
              "writetimeout = 100", ""]
    return "\n".join(lines)


def queue_stubs(queues: list[str], fallback: str) -> str:
    lines = ["; The queues the IVR's hotlines hand callers to (`ivr asterisk-config`). Stubs: add",
             "; members (member => PJSIP/201,0,Agent Name) or log agents in dynamically, and tune them.",
             "; A queue your Asterisk already has is left out here: keep yours.", ""]
    for name in queues:
        lines += [f"[{name}]" + ("   ; the dialplan's fallback queue" if name == fallback else ""),
                  "strategy = rrmemory", "ringinuse = no", "timeout = 15", "retry = 1", "wrapuptime = 0",
                  "joinempty = yes", "leavewhenempty = no", ""]
    return "\n".join(lines)


README = """\
What `ivr asterisk-config` wrote for your own Asterisk ({version_note})

  {dialplan:<24} the hotlines' dialplan: contexts ivr-inbound (the calls), ivr-hotlines (each
                           number's hotline and fallback queue, from the config) and ivr-doctor
                           (`ivr doctor`'s FastAGI round trip)
  {globals:<24} the variables it reads: the controller pool, the AGI token, the fallback queue
  {manager:<24} the controller's AMI user{secret_note}
  {queues:<24} a stub per queue the config's hotlines use: {queue_list}

Where each piece goes
---------------------
FreePBX (never edit the files FreePBX writes; these are the ones it leaves to you):
  {dialplan}  -> append to /etc/asterisk/extensions_custom.conf
  {globals}  -> append to /etc/asterisk/globals_custom.conf (FreePBX includes it in [globals])
  {manager}  -> append to /etc/asterisk/manager_custom.conf
  {queues}  -> append to /etc/asterisk/queues_custom.conf, only the queues the Queues
                module does not already have
  Route a number to it: Admin > Custom Destinations, target ivr-inbound,${{FROM_DID}},1
  (the dialled number picks the hotline; ivr-inbound,s,1 answers as the default hotline).

Plain Asterisk:
  {dialplan}  -> /etc/asterisk/ivr-inbound.conf, and `#include "ivr-inbound.conf"` at the end
                of extensions.conf
  {globals}  -> the lines under the [globals] section of extensions.conf (Asterisk reads
                only the first [globals]; a second one is ignored without a word)
  {manager}  -> append to manager.conf (or a file it #includes); in its [general]
                section: enabled = yes, timestampevents = yes
  {queues}  -> append to queues.conf
  Route calls with Goto(ivr-inbound,${{EXTEN}},1) from your inbound context.

Numbers (hotline, its numbers -> the queue its callers go to when no controller answers):{routes}
  The dialled number picks the hotline. With no controller reachable, a caller goes to their
  hotline's fallback_queue, else to IVR_FALLBACK_QUEUE of the globals ({fallback}). A test
  call to one number: ivr call --called NUMBER --digits "1".
  After a change to the hotlines' numbers or fallback queues, write these files again and
  reload the dialplan.

Then, on the Asterisk box:
  asterisk -rx "module load res_agi.so"     (and app_queue, app_mixmonitor, app_read,
                                            app_playback, app_userevent, if not loaded)
  asterisk -rx "dialplan reload"; asterisk -rx "manager reload"; asterisk -rx "queue reload all"
  timestampevents in manager.conf's [general] takes effect at the next Asterisk restart.

And where the controller runs:
  ivr --config /etc/ivr/config.yaml doctor   (one line per check, ok or FAIL with the fix)

Controllers: {controllers}
  tried in this order; the next is tried only when the previous one could not be reached
  (AGISTATUS=FAILURE, before any command ran). A caller whose controller dies mid-call
  goes to the fallback queue, {fallback}. Each controller listens on its controller.host
  and lets in only the Asterisk addresses in controller.allow.
Keep {globals} and {manager} readable by Asterisk only: they hold secrets.
"""


def generate(settings, hotlines, controllers: list[str], fallback: str | None, permit: list[str],
             agi_token: str, ami_secret: str, dialplan: Path | None = None) -> Generated:
    """The files for DIR. An empty token or secret becomes a placeholder the README names."""
    source = dialplan or dialplan_source(settings.base)
    values, body = split_globals(source.read_text())
    queues = queues_used(hotlines)
    fallback = fallback or default_fallback(hotlines, queues)
    if fallback not in queues:
        queues.append(fallback)
    token = agi_token or "CHANGE-ME-to-the-controller-IVR_AGI_SECRET"
    secret = ami_secret or "CHANGE-ME-to-IVR_AMI_SECRET"
    first_port = controllers[0].rsplit(":", 1)[1]
    values.update({"IVR_AGI_PORT": first_port, "IVR_CONTROLLERS": "&".join(controllers),
                   "IVR_AGI_TOKEN": token, "IVR_FALLBACK_QUEUE": fallback})
    head = (f"; From `ivr asterisk-config` ({source.name}, the dialplan the engine's own tests run).\n"
            "; Its globals are in ivr-globals.conf: put them under your [globals] section.\n")
    globals_text = ("; The IVR dialplan's globals (`ivr asterisk-config`): under [globals] of extensions.conf,\n"
                    "; or in FreePBX's globals_custom.conf. IVR_CONTROLLERS: host:port joined by &, in order.\n"
                    + "".join(f"{k} = {v}\n" for k, v in values.items()))
    names = {"dialplan": "ivr-inbound.conf", "globals": "ivr-globals.conf", "manager": "ivr-manager.conf",
             "queues": "ivr-queues.conf"}
    notes = []
    if not agi_token:
        notes.append("IVR_AGI_TOKEN in ivr-globals.conf is a placeholder: the controller has no "
                     "secret (controller.secret_file or $IVR_AGI_SECRET); set one and write it there")
    if not ami_secret:
        notes.append("the AMI secret in ivr-manager.conf is a placeholder: write the one in $IVR_AMI_SECRET")
    readme = README.format(
        version_note="Asterisk 20 or later; the engine is tested on 22", **names,
        secret_note=" (secret as the controller has it)" if ami_secret else " (secret: a placeholder)",
        queue_list=", ".join(queues), controllers=" then ".join(controllers), fallback=fallback,
        routes=route_summary(hotlines, fallback))
    if notes:
        readme += "\nTo do before loading:\n" + "".join(f"  - {n}\n" for n in notes)
    routes = hotline_routes(hotlines)
    files = {names["dialplan"]: head + body.lstrip("\n").rstrip("\n") + "\n\n" + routes,
             names["globals"]: globals_text,
             names["manager"]: ami_user_block(settings.ami.username, secret, permit),
             names["queues"]: queue_stubs(queues, fallback),
             "README.txt": readme}
    return Generated(files, (names["globals"], names["manager"]))


def route_summary(hotlines, fallback: str) -> str:
    """One line per hotline with numbers, for the README: `telecom 0800123456 _0801XXXXXX -> support`."""
    rows = [f"{h.name} {' '.join(n.text for n in h.numbers)} -> {h.fallback_queue or fallback}"
            for h in hotlines.by_name.values() if h.numbers]
    return ("\n  " + "\n  ".join(rows)) if rows else " none listed (every number is the default hotline's)"


def permits_for(controllers: list[str]) -> list[str]:
    """manager.conf permit= lines: each controller's address (a name: loopback, with a note to fix)."""
    out: list[str] = []
    for c in controllers:
        host = c.rsplit(":", 1)[0].strip("[]")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            continue
        line = f"{ip}/255.255.255.255" if ip.version == 4 else f"{ip}/128"
        if line not in out:
            out.append(line)
    return out or ["127.0.0.1/255.255.255.255"]
