"""The AMI consumer: app_queue events in, handle-time records out.

It folds events as they arrive (never blocking panoramisk's reader: Asterisk
drops AMI readers slower than 100 ms), hands finished records to a writer
thread, and after every (re)login replays the queue_log lines written while
the link was down, so nothing is lost; the folder's idempotence and the
table's unique key mean nothing is counted twice. Then it asks Asterisk which
channels it has (CoreShowChannels): a queued call whose channel is gone
(Asterisk was killed or restarted) is closed as `interrupted`, so it still
gets its one record.

Each event is folded with the time it was read (`time.time()`), which is its
time when Asterisk sends no Timestamp (`timestampevents` off, Asterisk's
default). After the first login it checks, once per process, what the AMI
user's settings leave out of the figures (`check_link`): no Timestamp, no
`agent` events (no queue records at all), no `call` events (hangups, agent
hold, transfers), no `user` events (the dialplan's queue results), and warns.

The same link feeds the live state of the queues (ivr/live/feed.py: callers
waiting, agents, today's figures; QueueMember* events and a QueueStatus
rebuild at every login and every minute), which `ivr serve`'s metrics export.

Several controllers on one Asterisk (leadership.py): every one keeps its AMI
link, its live state and its folder, but only the leader writes handle-time
records. A follower folds too (so the calls in progress are open in its folder
when it takes over) and keeps the records it finished in memory for
`FOLLOWER_KEEP_S`; when it becomes the leader it hands them to the writer (the
old leader may have written some: the insert is idempotent) and replays
queue_log from the last stored record, as after a re-login, so nothing the
dead leader left unwritten is lost. Without a state dir (tests, one-off tools)
there is no election and the consumer is the one folder, as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from pathlib import Path

from sqlalchemy.engine import Engine

from ..ami.client import AMIClient
from ..config import AMISettings
from ..live.feed import LiveFeed
from ..live.state import LiveState
from .conf import wrapup_times  # noqa: F401  (the controller reads it from here)
from .fold import EVENTS, QueueFolder
from .leadership import BecameLeader, Leadership, asterisk_name, lock_for
from .records import HandleTime
from .queue_log import read_since
from .store import HandleTimeWriter, last_entered_second

log = logging.getLogger("ivr.queues")

FOLDED = EVENTS            # every event the folder has a rule for
QUEUE_EVENTS = {"QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentRingNoAnswer",
                "AgentConnect", "AgentComplete"}   # app_queue's, read permission `agent`
PROBE = "IVRLinkCheck"     # the UserEvent sent at login to see how events arrive
PROBE_TIMEOUT = 5.0

# What each read permission carries into the figures (manager.c, app_queue.c, res_musiconhold).
NEEDED_READ = {
    "agent": "app_queue sends no queue events (join, connect, complete, abandon): no handle-time record "
             "is made but from queue_log replays",
    "call": "no Hangup, MusicOnHold or transfer events: agent hold is not measured, and calls left open end "
            "only by reconciliation",
    "user": "no IVRQueueResult events: timeouts, full and empty queues are only known from the hangup",
}
NO_TIMESTAMP = ("AMI events carry no Timestamp (timestampevents is off in manager.conf, Asterisk's default): "
                "queue records use the time each event was read and app_queue's whole-second "
                "HoldTime/TalkTime; set timestampevents = yes in [general] for exact waits and talk")


def link_warnings(read_perm: str | None, timestamps: bool | None) -> list[str]:
    """What the AMI user's settings cost the figures. `read_perm` is its read= (as `manager
    show user` prints it; None when unknown), `timestamps` whether events carry a Timestamp."""
    out = []
    if read_perm is not None:
        granted = {p.strip().lower() for p in read_perm.split(",")}
        if "all" not in granted:
            out += [f"AMI user cannot read `{perm}` events: {why}; add {perm} to its read= in manager.conf"
                    for perm, why in NEEDED_READ.items() if perm not in granted]
    if timestamps is False:
        out.append(NO_TIMESTAMP)
    return out


def _output(reply) -> str:
    """A Command action's output lines (Asterisk 14+: repeated Output headers), as text."""
    first = reply[0] if isinstance(reply, list) else reply
    out = first.get("Output", "") or ""
    lines = out if isinstance(out, list) else [out]
    return "\n".join([*lines, getattr(first, "content", "") or ""])
REPLAY_MARGIN = 2.0        # seconds before the cut, in case the last events were in flight
STARTUP_LOOKBACK = 86400   # at start, recover at most a day of queue_log
FOLLOWER_KEEP_S = 600.0    # a follower keeps what it folded this long, for the day it takes over


class QueueConsumer:
    leadership: Leadership | None = None   # None: no election, this consumer is the one folder
    name = ""                               # the Asterisk's systemname, which its records carry

    def __init__(self, ami: AMISettings, engine: Engine, queue_log: Path | None, wrapup: dict[str, float],
                 spool_dir: Path | None = None, timezone: str = "UTC", service_level_s: float = 20.0,
                 resync_s: float = 60.0, state_dir: Path | None = None, owner: str = ""):
        self.engine, self.queue_log = engine, queue_log
        self.folder = QueueFolder(wrapup)
        self.writer = HandleTimeWriter(engine, spool_dir=spool_dir)
        self.asterisk = asterisk_name(ami)    # host:port: the leadership lock's and the log's name
        self.name = ami.name                  # its systemname: what its records carry (learned at login if unset)
        self.owner = owner
        # Records a follower folded, with when: handed to the writer if it becomes the leader.
        self.kept: deque[tuple[float, HandleTime]] = deque()
        if state_dir is not None:
            self.leadership = Leadership(lock_for(engine, state_dir, self.asterisk, owner), self.asterisk, owner,
                                         on_change=self._on_leadership)
        self.disconnected_at: float | None = None  # in event time: where a queue_log replay starts
        self.lost_at: float | None = None          # wall clock: when calls cut off with Asterisk ended
        self.logins = 0
        self.warned: set[str] = set()     # each settings warning once per process
        self.queue_events_seen = False
        self._tasks: set[asyncio.Task] = set()
        self.client = AMIClient(ami, on_login=self._on_login, on_disconnect=self._on_disconnect)
        for name in FOLDED:
            self.client.manager.register_event(name, self._on_event)
        self.live = LiveFeed(self.client, LiveState(timezone, service_level_s, wrapup), engine, resync_s)

    def start(self) -> None:
        """Connect in the background; panoramisk keeps reconnecting (with our backoff). Stand
        for leadership of this Asterisk's records (in the running loop)."""
        self.client.manager.connect()
        if self.leadership is not None:
            self.leadership.start()

    def close(self) -> None:
        self.live.close()
        self.client.close()
        self.writer.close()
        if self.leadership is not None:   # last: what this leader folded is written (or spooled) first
            self.leadership.close()

    @property
    def leader(self) -> bool:
        """Whether this controller writes this Asterisk's handle-time records now."""
        return self.leadership is None or self.leadership.leader

    def leader_status(self) -> dict:
        """For the status file: which Asterisk, whether this controller leads its folding, since when."""
        if self.leadership is None:
            return {"asterisk": self.asterisk, "leader": True, "since": None, "lock": "none (single folder)"}
        return self.leadership.status()

    def _emit(self, records: list[HandleTime]) -> None:
        """Finished records: the leader writes them; a follower keeps them a while."""
        if not records:
            return
        for rec in records:
            rec.asterisk = self.name
        if self.leader:
            self.writer.put_many(records)
            return
        now = time.time()
        self.kept.extend((now, rec) for rec in records)
        while self.kept and self.kept[0][0] < now - FOLLOWER_KEEP_S:
            self.kept.popleft()

    def _on_leadership(self, event) -> None:
        if not isinstance(event, BecameLeader):
            log.warning("%s: queue records are now written by another controller; this one (%s) folds "
                        "and keeps them for %.0f s", self.asterisk, self.owner, FOLLOWER_KEEP_S,
                        extra={"asterisk": self.asterisk, "owner": self.owner})
            return
        self.take_over()

    def take_over(self) -> tuple[int, int]:
        """Just became the leader: write what was folded as a follower, and replay queue_log
        from the last stored record (what the old leader may have left unwritten). Returns
        (records handed over, queue_log events replayed)."""
        since = self._last_stored()    # what the old leader stored (before ours land)
        since = since - REPLAY_MARGIN if since is not None else time.time() - STARTUP_LOOKBACK
        kept = [rec for _, rec in self.kept]
        self.kept.clear()
        self.writer.put_many(kept)
        replayed = self.replay(since)
        log.info("%s: controller %s took over folding: %d record(s) folded as a follower written, %d queue_log "
                 "event(s) replayed since %.0f", self.asterisk, self.owner, len(kept), replayed, since,
                 extra={"asterisk": self.asterisk, "owner": self.owner})
        return len(kept), replayed

    def _on_event(self, manager, event) -> None:
        self._emit(self.folder.feed(event, time.time()))
        self._watch(event)

    def _watch(self, event) -> None:
        """Settings that limit the figures, seen in the events themselves (when check_link
        could not tell): no Timestamp; the dialplan's queue result with no app_queue event before."""
        if not event.get("Timestamp"):
            self._warn(NO_TIMESTAMP)
        name = event.get("Event", "")
        if name in QUEUE_EVENTS:
            self.queue_events_seen = True
        elif (name == "UserEvent" and event.get("UserEvent") == "IVRQueueResult" and not self.queue_events_seen
              and (event.get("Status") or "").upper() not in ("FULL", "JOINEMPTY", "JOINUNAVAIL")):
            self._warn(f"AMI user cannot read `agent` events: {NEEDED_READ['agent']}; "
                       "add agent to its read= in manager.conf")

    def _warn(self, message: str) -> None:
        if message not in self.warned:
            self.warned.add(message)
            log.warning("%s", message)

    async def check_link(self) -> list[str]:
        """Ask how this AMI user's events arrive and warn (once) about what that costs the
        figures. `manager show user`/`settings` answer only a user with the `command` write
        permission; otherwise a UserEvent sent to ourselves shows whether events carry a
        Timestamp, and the events themselves tell the rest (`_watch`)."""
        read_perm: str | None = None
        timestamps: bool | None = None
        try:
            user = _output(await self.client.action(
                {"Action": "Command", "Command": f"manager show user {self.client.settings.username}"}))
            settings = _output(await self.client.action({"Action": "Command", "Command": "manager show settings"}))
            for line in user.splitlines():
                if line.strip().lower().startswith("read perm:"):
                    read_perm = line.split(":", 1)[1].strip()
            for line in settings.splitlines():
                if line.strip().lower().startswith("timestamp events:"):
                    timestamps = line.split(":", 1)[1].strip().lower() == "yes"
        except Exception:  # no `command` permission (the usual): probe instead
            pass
        if timestamps is None:
            timestamps = await self._probe_timestamps()
        found = link_warnings(read_perm, timestamps)
        for message in found:
            self._warn(message)
        return found

    async def check_name(self) -> str | None:
        """Ask the Asterisk its systemname (CoreSettings' SystemName, manager.c): the name its
        records carry when config.yaml gives none; a different configured name is warned about,
        since the calls (which the dialplan tags with ${SYSTEMNAME}) would not match the records."""
        try:
            reply = await self.client.action({"Action": "CoreSettings"})
        except Exception:  # an old or restricted AMI user: the configured name stands
            return None
        first = reply[0] if isinstance(reply, list) else reply
        system = first.get("SystemName", "") or ""
        if not self.name:
            self.name = system
        elif system != self.name:
            self._warn(f"{self.asterisk}: config.yaml names this Asterisk {self.name!r} but its systemname is "
                       f"{system!r} (asterisk.conf [options]): its calls and queue records would not match; "
                       "make them equal")
        return system

    async def _probe_timestamps(self) -> bool | None:
        token = f"{id(self):x}-{self.logins}"
        arrived = self.client.wait_for(lambda e: e.get("Event") == "UserEvent" and e.get("UserEvent") == PROBE
                                       and e.get("Probe") == token)
        try:
            await self.client.action({"Action": "UserEvent", "UserEvent": PROBE, "Probe": token})
            event = await asyncio.wait_for(arrived, PROBE_TIMEOUT)
        except asyncio.TimeoutError:
            self._warn(f"AMI user cannot read `user` events: {NEEDED_READ['user']}; "
                       "add user to its read= in manager.conf")
            return None
        except Exception:  # no `user` write permission: the first events will tell
            arrived.cancel()
            return None
        return bool(event.get("Timestamp"))

    def _on_disconnect(self, manager, exc) -> None:
        self.disconnected_at = self.folder.last_timestamp or time.time()
        self.lost_at = time.time()
        self.live.on_disconnect(manager, exc)
        log.warning("AMI connection lost (%s); open queue records: %d", exc, len(self.folder.open))

    def _on_login(self, manager) -> None:
        self.logins += 1
        if self.disconnected_at is not None:
            since = self.disconnected_at - REPLAY_MARGIN
        else:
            since = self._last_stored() or (time.time() - STARTUP_LOOKBACK)
        replayed = self.replay(since)
        log.info("AMI logged in to %s (%d); replayed %d queue_log event(s) since %.0f (%s)", self.asterisk,
                 self.logins, replayed, since, "leader: records written" if self.leader else "follower: records kept",
                 extra={"asterisk": self.asterisk})
        self._spawn(self.reconcile(self.lost_at))
        self.live.on_login(manager)
        if self.logins == 1:
            self._spawn(self.check_link())
        self._spawn(self.check_name())
        self.disconnected_at = self.lost_at = None

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reconcile(self, lost_at: float | None) -> int:
        """Close the open records whose channel Asterisk no longer has; return how many."""
        opened_before = set(self.folder.open)
        if not opened_before:
            return 0
        try:
            reply = await self.client.action({"Action": "CoreShowChannels"}, as_list=True)
        except Exception as exc:  # the next login tries again
            log.warning("AMI CoreShowChannels failed (%s); %d open queue record(s) not reconciled", exc,
                        len(opened_before))
            return 0
        live = {e.get("Uniqueid", "") for e in reply if e.get("Event") == "CoreShowChannel"}
        closed = self.folder.interrupt(live, lost_at, opened_before)
        if closed:
            log.warning("%d queue record(s) closed as interrupted: their channels are gone from Asterisk",
                        len(closed))
            self._emit(closed)
        return len(closed)

    def replay(self, since: float) -> int:
        """Fold queue_log lines from `since` on; return how many events were read."""
        if self.queue_log is None:
            return 0
        n = 0
        for event in read_since(self.queue_log, since):
            self._emit(self.folder.feed(event))
            n += 1
        return n

    def _last_stored(self) -> float | None:
        try:
            return last_entered_second(self.engine, self.name or None)
        except Exception:  # a fresh database: nothing to recover
            return None
