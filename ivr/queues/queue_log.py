"""Asterisk's queue_log lines as the AMI events the folder understands.

After an AMI reconnect the consumer replays the lines written while the link
was down: `time|callid|queue|agent|verb|data1|data2|...`.

Transferred calls end with BLINDTRANSFER (`exten|context|holdtime|talktime|
origpos`) or ATTENDEDTRANSFER (`BRIDGE|bridge|...`, `APP|app|...` or
`LINK|chan1|chan2|...`, each ending `holdtime|talktime|origpos`), not
COMPLETEAGENT/COMPLETECALLER (app_queue.c, handle_blind_transfer and
log_attended_transfer): both become an AgentComplete with Reason `transfer`,
as app_queue's own AMI event after a transfer says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator


def parse_line(line: str) -> dict[str, str] | None:
    """One queue_log line as an event dict, or None for lines we don't fold."""
    parts = line.rstrip("\n").split("|")
    if len(parts) < 5:
        return None
    stamp, callid, queue, agent, verb, *data = parts
    raw = list(data)
    data += [""] * (4 - len(data))
    base = {"Timestamp": stamp, "Uniqueid": callid, "Queue": queue, "MemberName": "" if agent == "NONE" else agent,
            "Source": "queue_log"}
    if verb == "ENTERQUEUE":
        return {**base, "Event": "QueueCallerJoin", "CallerIDNum": data[1], "Position": data[2]}
    if verb == "CONNECT":
        return {**base, "Event": "AgentConnect", "HoldTime": data[0], "DestUniqueid": data[1], "RingTime": data[2]}
    if verb in ("COMPLETECALLER", "COMPLETEAGENT"):
        reason = "caller" if verb == "COMPLETECALLER" else "agent"
        return {**base, "Event": "AgentComplete", "HoldTime": data[0], "TalkTime": data[1], "Reason": reason}
    if verb in ("BLINDTRANSFER", "ATTENDEDTRANSFER") and len(raw) >= 5:
        # holdtime|talktime|origpos are the last three fields whatever came before them
        return {**base, "Event": "AgentComplete", "HoldTime": raw[-3], "TalkTime": raw[-2], "Reason": "transfer"}
    if verb == "ABANDON":
        return {**base, "Event": "QueueCallerAbandon", "Position": data[0], "HoldTime": data[2]}
    if verb == "RINGNOANSWER":
        return {**base, "Event": "AgentRingNoAnswer", "RingTime": data[0]}
    status = {"EXITWITHTIMEOUT": "TIMEOUT", "FULL": "FULL", "JOINEMPTY": "JOINEMPTY",
              "EXITEMPTY": "LEAVEEMPTY", "JOINUNAVAIL": "JOINUNAVAIL", "EXITUNAVAIL": "LEAVEUNAVAIL"}.get(verb)
    if status:
        wait = data[2] if verb in ("EXITWITHTIMEOUT", "EXITEMPTY") else "0"
        return {**base, "Event": "UserEvent", "UserEvent": "IVRQueueResult", "Status": status, "WaitTime": wait}
    return None


def read_since(path: Path, since: float) -> Iterator[dict[str, str]]:
    """Events from queue_log lines stamped at or after `since` (epoch seconds)."""
    try:
        fh = open(path, errors="replace")
    except OSError:
        return
    with fh:
        for line in fh:
            head = line.split("|", 1)[0]
            if not head.isdigit() or int(head) < int(since):
                continue
            event = parse_line(line)
            if event is not None:
                yield event
