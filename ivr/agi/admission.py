"""Which FastAGI sessions may become calls: sans-IO checks of the request headers.

Anyone who reaches the AGI port can send any headers, so a session is a call
only when its headers have the shape Asterisk gives every call (res_agi.c's
setup_env: agi_uniqueid and agi_channel always), and, when the controller
has a shared secret, when it carries it as its first AGI argument
(`AGI(agi://host/ivr,${IVR_AGI_TOKEN})`, agi_arg_1), compared in constant
time. A refused session writes nothing: no call row, no step.
"""

from __future__ import annotations

import hmac
import re

from ..errors import RefusedSession
from .events import Request

# Asterisk's own unique ids are [systemname-]EPOCH.SEQUENCE (main/channel.c), but an
# Originate may name the channel itself (ChannelId, as `ivr call` does): printable, no
# spaces, and at most the 64 characters calls.unique_id holds.
UNIQUE_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
# Channel names are TECH/resource (e.g. PJSIP/softphone-00000001, Local/s@ivr-test-00000002;1).
CHANNEL = re.compile(r"^[A-Za-z0-9_]+/\S+$")


def admit(request: Request, token: str = "", peer: str = "") -> None:
    """Return if `request` may run as a call; raise RefusedSession naming why not."""
    uid = request.unique_id
    if not uid:
        raise RefusedSession("no agi_uniqueid: not a call from Asterisk", peer)
    if not UNIQUE_ID.match(uid):
        raise RefusedSession(f"agi_uniqueid {uid[:40]!r} is not a unique id (printable, no spaces, "
                             f"at most 64 characters)", peer)
    channel = request.channel
    if not channel or not CHANNEL.match(channel) or len(channel) > 128:
        raise RefusedSession(f"agi_channel {channel[:40]!r} is not an Asterisk channel name", peer)
    if token and not hmac.compare_digest(request.get("agi_arg_1").encode(), token.encode()):
        raise RefusedSession("wrong or missing token (the dialplan passes it as the AGI's first argument)", peer)
