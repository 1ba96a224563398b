"""`make soak` (`python -m ivr.bench.soak`): two controllers and one sandbox Asterisk under
N concurrent calls (200 by default), then one controller SIGKILLed under the same load.
Bounded (about 2 minutes on loopback), reported, never asserted: a table and
var/bench/soak.json.

Set-up. The sandbox Asterisk (`ivr sandbox up`; brought down again if the soak started
it), the bench's own PostgreSQL (var/bench/pg, as reports_bench.py's), a fresh database
`ivr_soak` on it, two `ivr serve` controllers (soak-a on 127.0.0.1:4563, soak-b on :4564,
metrics on :9563 and :9564), soak-a started first so that it leads the folding of queue
events. The menu is the end-to-end tests' (tests/e2e/config.yaml: short prompts, a
main menu whose 1 plays `info` and comes back). Half the calls have the pool A&B, half
B&A (the dialplan's IVR_CONTROLLERS), so each controller answers half.

Each call is a Local channel placed over one AMI link from this process (as `ivr call`
does): its caller half presses 1 five times, 2.5 s apart (SendDTMF), so the IVR goes
main -> info -> main ... ; then the menu times out twice and says goodbye (~29 s a call).

Phase 1, load: N calls, placed over 5 s, all in progress together, run to their end.
- CPU per call: utime+stime from /proc/<pid>/stat of each controller and of Asterisk,
  across the phase, divided by the calls (a controller's by the calls it served).
  Asterisk's includes both halves of each Local channel and the simulated caller. Each
  process's idle CPU (5 s with no call: AMI, leadership checks, status files) is measured
  before, and the per-call figure is given again with it taken off.
- Digit to next prompt: from Asterisk's own log (messages.log, millisecond stamps, one
  clock), with `agi set debug on` for the phase: the AGI reply that hands the controller a
  digit (`<channel>AGI Tx >> 200 result=49` after a STREAM FILE or WAIT FOR DIGIT: the
  DTMF has arrived and ended the playback or wait) to the same channel's next `<channel>
  Playing '...'` (res_agi or file.c: the next prompt's playback starts). The gap covers
  the reply's trip, the controller choosing the next node and writing its command, and
  Asterisk opening the next file. (Digits collected by Read, for multi-digit options, are
  not in it: this menu has none.) The AGI debug lines cost Asterisk a little CPU, inside
  its figure. The controllers' own view of the same gap (`ivr_digit_to_prompt_seconds`,
  reply in to command out) is beside it, from /metrics, interpolated inside its
  histogram buckets.

Phase 2, failover: N calls again; at the midpoint of the calls (13 s after the last was
placed) soak-a gets SIGKILL; then 20 new calls with the pool A&B (A first, dead).
- Served: the call's row was closed by its controller (not controller-lost) and the
  dialplan never sent it to the fallback queue.
- Fallback: the dialplan's UserEvent IVRFallback; of those, joined the queue
  (QueueCallerJoin) or refused by it (IVRQueueResult FULL: queues.conf's support holds 20;
  the dialplan then hangs up on the caller, who is counted there, not as dropped).
- Dropped: neither (goal 0). Doubled: a call with more than one row, or rows nobody placed.
- Closed: soak-a is started again; its start-up sweep closes the calls it left open.
- Fold takeover: from the SIGKILL to soak-b's log line `(soak-b) is now the leader`
  (its stamp), the AMI leadership of docs/scale-out.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
E2E_CONFIG = ROOT / "tests/e2e/config.yaml"
E2E_CATALOG = ROOT / "tests/e2e/catalog.yaml"
WORK = ROOT / "var/bench/soak"
RESULTS = ROOT / "var/bench/soak.json"
IVR = [sys.executable, "-m", "ivr"]
PORTS = {"soak-a": (4563, 9563), "soak-b": (4564, 9564)}   # FastAGI, metrics: no test uses them
DB_NAME = "ivr_soak"
PRESSES, GAP_S, DELAY_S = "1 1 1 1 1", 2.5, 2.5   # the caller's keys (SendDTMF), 2.5 s apart
CALL_S = 29.0                            # a call's length when nothing goes wrong
HOLD_S = 25                              # the caller listens this long after its last key: the IVR ends first
RAMP_S = 5.0                             # the N calls are placed over this long
IDLE_S = 5.0                             # the idle CPU is sampled this long before phase 1
KILL_AFTER_S = 13.0                      # after the last call of phase 2 was placed: its midpoint
NEW_CALLS = 20                           # placed after the kill, A first in their pool
# Asterisk's messages.log (asterisk-conf/logger.conf: verbose(3), millisecond stamps): the AGI
# traffic (`agi set debug on`) and res_agi's and file.c's `<channel> Playing 'file'`.
LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\] VERBOSE\[\d+\](?:\[C-[0-9a-f]+\])? \S+: "
                      r"<([^>]+)>\s*(?:AGI (Tx|Rx) (?:>>|<<) (.*)|Playing '([^']+)')")
INPUT_VERBS = ("STREAM FILE", "WAIT FOR DIGIT", "GET DATA", "CONTROL STREAM FILE", "SAY ")


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def asterisk_pid(sandbox) -> int:
    """The Asterisk process: the sandbox's pid file names what `chroot` exec'd."""
    pid = sandbox.pid()
    if pid is None:
        raise RuntimeError("the sandbox Asterisk is not running")
    if Path(f"/proc/{pid}/comm").read_text().strip() != "asterisk":
        raise RuntimeError(f"pid {pid} of the sandbox's pid file is not asterisk")
    return pid


class ControllerProc:
    """One `ivr serve` on its own config; its log under var/bench/soak/."""

    def __init__(self, name: str, config: Path):
        self.name, self.config = name, config
        self.port, self.metrics_port = PORTS[name]
        self.log = WORK / f"controller-{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, fresh_log: bool = False) -> None:
        if fresh_log:
            self.log.write_text("")
        self.proc = subprocess.Popen([*IVR, "--config", str(self.config), "serve"], cwd=ROOT,
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        self.wait_log("FastAGI listening", 30)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def wait_log(self, needle: str, timeout: float, after: int = 0) -> str:
        """The first log line with needle (from byte `after` on); RuntimeError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_bytes()[after:].decode(errors="replace")
            for line in text.splitlines():
                if needle in line:
                    return line
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: no {needle!r} in {self.log} after {timeout:g} s")
            time.sleep(0.05)

    def kill(self) -> float:
        assert self.proc is not None
        at = time.time()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        return at

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def write_config(name: str, db_url: str) -> Path:
    doc = yaml.safe_load(E2E_CONFIG.read_text().replace("../../", f"{ROOT}/"))
    port, metrics = PORTS[name]
    doc["controller"] |= {"port": port, "id": name, "metrics_port": metrics, "drain_timeout": 30}
    doc["database"]["url"] = db_url
    doc["state_dir"] = str(WORK / f"state-{name}")   # separate: PostgreSQL decides who leads
    path = WORK / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# --- calls ---------------------------------------------------------------------------------------------

@dataclass
class Driver:
    """Test calls over one AMI link, and what Asterisk said about each."""

    ami: object
    pools: dict[str, str] = field(default_factory=dict)        # IVR-side unique id -> its pool
    ended: dict[str, asyncio.Future] = field(default_factory=dict)
    channel: dict[str, str] = field(default_factory=dict)      # unique id -> channel name
    fallback: dict[str, str] = field(default_factory=dict)     # unique id -> fallback queue
    joined: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)      # unique id -> QUEUESTATUS of the fallback queue

    def __post_init__(self):
        self.ami.manager.register_event("*", self._event)

    def _event(self, manager, event) -> None:
        uid = event.get("Uniqueid", "")
        name = event.event
        if name == "Newchannel":   # may come before the Originate's response: every channel's name
            self.channel[uid] = event.get("Channel", "")
            return
        if uid not in self.pools:
            return
        if name == "UserEvent" and event.get("UserEvent") == "IVRFallback":
            self.fallback[uid] = event.get("Queue", "")
        elif name == "UserEvent" and event.get("UserEvent") == "IVRQueueResult" and uid in self.fallback:
            if event.get("Status") in ("FULL", "JOINEMPTY", "JOINUNAVAIL"):
                self.refused[uid] = event.get("Status")
        elif name == "QueueCallerJoin":
            self.joined.add(uid)

    async def place(self, pool: str) -> str:
        from ..ami.testcall import place_call
        placed, ended = await place_call(self.ami, PRESSES, gap=GAP_S, delay=DELAY_S, hold=HOLD_S,
                                         extra_vars={"__IVR_CONTROLLERS": pool})
        self.pools[placed.ivr_unique_id], self.ended[placed.ivr_unique_id] = pool, ended
        return placed.ivr_unique_id

    async def place_many(self, pools: list[str], over: float) -> list[str]:
        uids = []
        start = time.monotonic()
        for i, pool in enumerate(pools):
            await asyncio.sleep(max(0.0, start + over * i / max(1, len(pools)) - time.monotonic()))
            uids.append(await self.place(pool))
        return uids

    async def wait_ended(self, uids: list[str], timeout: float) -> list[str]:
        """The calls still up after timeout (normally none)."""
        pending = [self.ended[u] for u in uids if not self.ended[u].done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return [u for u in uids if not self.ended[u].done()]


# --- measurements ----------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


def digit_to_prompt(log: Path, offset: int) -> dict:
    """From Asterisk's log after byte offset: per IVR channel, the AGI reply that hands the
    controller a digit (`AGI Tx >> 200 result=49` to a STREAM FILE or WAIT FOR DIGIT) to the
    next `<channel> Playing` line. Both stamps are Asterisk's, on its clock."""
    last_rx: dict[str, str] = {}
    pending: dict[str, float] = {}
    gaps: list[float] = []
    digits = 0
    with open(log, "rb") as fh:
        fh.seek(offset)
        for raw in fh:
            m = LOG_LINE.match(raw.decode(errors="replace"))
            if not m:
                continue
            # The chroot's clock is UTC (its /etc/localtime) and the log stamps are local time.
            at = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
            chan, way, text, played = m.group(2), m.group(3), m.group(4), m.group(5)
            if played is not None:
                if chan in pending:
                    gaps.append(at - pending.pop(chan))
            elif way == "Rx":
                last_rx[chan] = text.strip()
            elif way == "Tx" and last_rx.get(chan, "").startswith(INPUT_VERBS):
                result = re.match(r"200 result=(-?\d+)", text.strip())
                if result and int(result.group(1)) > 0:
                    digits += 1
                    pending[chan] = at
    ms = [g * 1000 for g in gaps]
    return {"digits": digits, "samples": len(ms), "p50_ms": _r(pct(ms, .5)), "p95_ms": _r(pct(ms, .95)),
            "max_ms": _r(max(ms) if ms else None), "mean_ms": _r(statistics.fmean(ms) if ms else None)}


def _r(v: float | None, nd: int = 1) -> float | None:
    return None if v is None else round(v, nd)


def scrape_histogram(port: int, name: str = "ivr_digit_to_prompt_seconds") -> list[tuple[float, float]]:
    """Cumulative buckets [(le, count)] of a histogram on a controller's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    out = []
    for line in text.splitlines():
        if line.startswith(f"{name}_bucket"):
            le = re.search(r'le="([^"]+)"', line).group(1)
            out.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    return sorted(out)


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' histogram_quantile: linear inside the bucket holding the rank."""
    if not buckets or buckets[-1][1] == 0:
        return None
    rank = q * buckets[-1][1]
    prev_le, prev_n = 0.0, 0.0
    for le, n in buckets:
        if n >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * ((rank - prev_n) / (n - prev_n) if n > prev_n else 0)
        prev_le, prev_n = le, n
    return None


def rows(engine, uids: list[str]) -> dict[str, dict]:
    from sqlalchemy import func, select

    from ..store.models import Call
    with engine.connect() as conn:
        found = conn.execute(select(Call.unique_id, Call.owner, Call.outcome, Call.ended_at)
                             .where(Call.unique_id.in_(uids))).all()
        counts = dict(conn.execute(select(Call.unique_id, func.count()).where(Call.unique_id.in_(uids))
                                   .group_by(Call.unique_id)).all())
    return {u: {"owner": o, "outcome": out, "closed": e is not None, "rows": counts.get(u, 0)}
            for u, o, out, e in found}


def total_rows(engine) -> int:
    from sqlalchemy import func, select

    from ..store.models import Call
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Call))


def outcomes(driver: Driver, engine, uids: list[str]) -> dict:
    found = rows(engine, uids)
    served, fallback, dropped, doubled, open_, by_owner = [], [], [], [], [], {}
    for u in uids:
        r = found.get(u)
        if r is not None and r["rows"] > 1:
            doubled.append(u)
        if r is not None and not r["closed"]:
            open_.append(u)
        if u in driver.fallback:
            fallback.append(u)
        elif r is not None and r["closed"] and r["outcome"] != "controller-lost":
            served.append(u)
            by_owner[r["owner"]] = by_owner.get(r["owner"], 0) + 1
        else:
            dropped.append(u)
    return {"calls": len(uids), "served": len(served), "served_by": by_owner,
            "fallback": len(fallback), "fallback_joined": sum(1 for u in fallback if u in driver.joined),
            "fallback_refused": {s: sum(1 for u in fallback if driver.refused.get(u) == s)
                                 for s in sorted(set(driver.refused.get(u) for u in fallback) - {None})},
            "dropped": len(dropped), "dropped_ids": dropped[:20], "doubled": len(doubled),
            "rows_open": len(open_), "no_row": sum(1 for u in uids if u not in found)}


# --- the soak -------------------------------------------------------------------------------------------

async def soak(n: int, db_url: str, sandbox, settings) -> dict:
    from ..ami.client import AMIClient
    from ..store.db import open_engine

    engine = open_engine(db_url)
    a = ControllerProc("soak-a", write_config("soak-a", db_url))
    b = ControllerProc("soak-b", write_config("soak-b", db_url))
    result: dict = {"calls": n}
    ami = AMIClient(settings.ami, events="call,user,agent")
    try:
        a.start(fresh_log=True)
        a.wait_log("(soak-a) is now the leader", 30)
        b.start(fresh_log=True)
        for c in (a, b):
            c.wait_log("AMI logged in", 30)
        await ami.connect()
        driver = Driver(ami)
        a_first, b_first = f"127.0.0.1:{a.port}&127.0.0.1:{b.port}", f"127.0.0.1:{b.port}&127.0.0.1:{a.port}"
        pools = [a_first if i % 2 == 0 else b_first for i in range(n)]
        ast_pid = asterisk_pid(sandbox)
        ast_log = sandbox.root / "var/log/asterisk/messages.log"

        # Phase 1: load.
        say(f"phase 1: {n} calls through two controllers ...")
        pids = {"soak-a": a.pid, "soak-b": b.pid, "asterisk": ast_pid}
        idle0 = {k: cpu_seconds(p) for k, p in pids.items()}
        await asyncio.sleep(IDLE_S)   # what each spends with no call (AMI, leadership, status): apart
        idle = {k: (cpu_seconds(p) - idle0[k]) / IDLE_S for k, p in pids.items()}
        sandbox.rx("agi set debug on")   # the AGI traffic in messages.log: digit-to-prompt's clock
        offset = ast_log.stat().st_size
        cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
        t0 = time.monotonic()
        first = await driver.place_many(pools, RAMP_S)
        placed_s = time.monotonic() - t0
        peak = await _peak_in_progress(driver, first)
        stuck = await driver.wait_ended(first, CALL_S + 90)
        await asyncio.sleep(1.0)   # the last rows written
        wall = time.monotonic() - t0
        cpu1 = {k: cpu_seconds(p) for k, p in pids.items()}
        loadavg = os.getloadavg()[0]   # the box's run queue: a saturated one shows in every latency
        sandbox.rx("agi set debug off")
        load = outcomes(driver, engine, first)
        cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
        served = load["served_by"]
        both = cpu["soak-a"] + cpu["soak-b"]
        result["load"] = {
            **load, "placed_in_s": round(placed_s, 2), "peak_in_progress": peak, "still_up": len(stuck),
            "wall_s": round(wall, 1), "loadavg_1min": round(loadavg, 2),
            "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
            "cpu_ms_per_call": {
                "controllers": _r(both / n * 1000),
                **{k: _r(cpu[k] / served[k] * 1000) if served.get(k) else None for k in ("soak-a", "soak-b")},
                "asterisk": _r(cpu["asterisk"] / n * 1000)},
            "asterisk_per_controller_cpu": _r(cpu["asterisk"] / both, 2) if both else None,
            "idle_cpu_ms_per_s": {k: _r(v * 1000) for k, v in idle.items()},
            "cpu_ms_per_call_above_idle": {
                "controllers": _r((both - (idle["soak-a"] + idle["soak-b"]) * wall) / n * 1000),
                "asterisk": _r((cpu["asterisk"] - idle["asterisk"] * wall) / n * 1000)},
            "digit_to_prompt": digit_to_prompt(ast_log, offset),
            "controller_digit_to_prompt": _controller_view([a, b])}
        say(f"  {load['served']} served, {load['dropped']} dropped, peak {peak} in progress")

        # Phase 2: SIGKILL of soak-a (the fold leader) at the calls' midpoint.
        say(f"phase 2: {n} calls, soak-a killed {KILL_AFTER_S:g} s after the last is placed ...")
        second = await driver.place_many(pools, RAMP_S)
        await asyncio.sleep(KILL_AFTER_S)
        in_progress_at_kill = sum(1 for u in second if not driver.ended[u].done())
        on_a_at_kill = sum(1 for u in second if not driver.ended[u].done() and driver.pools[u] == a_first)
        b_log_at = b.log.stat().st_size
        killed_at = a.kill()
        new = await driver.place_many([a_first] * NEW_CALLS, 2.0)
        try:
            line = await asyncio.to_thread(b.wait_log, "(soak-b) is now the leader", 30, b_log_at)
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=timezone.utc).timestamp()
            takeover = _r(stamp - killed_at, 3)
        except RuntimeError as exc:
            takeover = None
            say(f"  {exc}")
        stuck = await driver.wait_ended(second + new, HOLD_S + 90)
        await asyncio.sleep(1.0)
        # soak-a again: its start-up sweep closes what it left open.
        restart_at = a.log.stat().st_size
        a.start()
        try:
            a.wait_log("FastAGI listening", 30, restart_at)
        except RuntimeError as exc:
            say(f"  {exc}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(not r["closed"] for r in rows(engine, second + new).values()):
            await asyncio.sleep(0.2)
        fail = outcomes(driver, engine, second)
        after = outcomes(driver, engine, new)
        result["failover"] = {
            **fail, "in_progress_at_kill": in_progress_at_kill, "on_killed_at_kill": on_a_at_kill,
            "still_up": len(stuck), "fold_takeover_s": takeover,
            "new_calls": after["calls"], "new_served_by_survivor": after["served_by"].get("soak-b", 0),
            "new_dropped": after["dropped"], "new_fallback": after["fallback"],
            "rows_total": total_rows(engine), "rows_expected": 2 * n + NEW_CALLS}
        say(f"  {fail['served']} served, {fail['fallback']} to the fallback queue, {fail['dropped']} dropped; "
            f"takeover {takeover} s")
    finally:
        ami.close()
        for c in (a, b):
            c.stop()
        engine.dispose()
    return result


async def _peak_in_progress(driver: Driver, uids: list[str]) -> int:
    """Calls up at once, sampled for the first seconds after the last was placed."""
    peak = 0
    for _ in range(20):
        peak = max(peak, sum(1 for u in uids if not driver.ended[u].done()))
        await asyncio.sleep(0.25)
    return peak


def _controller_view(controllers: list[ControllerProc]) -> dict:
    """The controllers' own histogram of the gap (reply in to next prompt out), both summed."""
    summed: dict[float, float] = {}
    try:
        for c in controllers:
            for le, count in scrape_histogram(c.metrics_port):
                summed[le] = summed.get(le, 0.0) + count
    except OSError as exc:
        return {"error": str(exc)}
    buckets = sorted(summed.items())
    count = buckets[-1][1] if buckets else 0
    return {"samples": int(count), "p50_ms": _r((histogram_quantile(.5, buckets) or 0) * 1000, 2),
            "p95_ms": _r((histogram_quantile(.95, buckets) or 0) * 1000, 2),
            "buckets_ms": [le * 1000 for le, _ in buckets if le != float("inf")]}


# --- set-up, table, main ---------------------------------------------------------------------------------

def fresh_database(pg) -> str:
    from sqlalchemy import create_engine, text
    admin = create_engine(pg.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    finally:
        admin.dispose()
    return pg.url(DB_NAME)


def table(res: dict) -> str:
    ld, fo = res["load"], res["failover"]
    d2p, ctl = ld["digit_to_prompt"], ld["controller_digit_to_prompt"]
    cpm = ld["cpu_ms_per_call"]
    refused = ", ".join(f"{v} {k.lower()}" for k, v in fo["fallback_refused"].items()) or "none"
    rows_ = [
        ("calls at once (peak)", f"{ld['peak_in_progress']} of {res['calls']} (placed over {ld['placed_in_s']} s)"),
        ("phase 1: served / dropped", f"{ld['served']} / {ld['dropped']}  (by {ld['served_by']})"),
        ("load average at its end", f"{ld['loadavg_1min']} on {os.cpu_count()} CPUs"),
        ("controller CPU per call", f"{cpm['controllers']} ms (soak-a {cpm['soak-a']}, soak-b {cpm['soak-b']})"),
        ("Asterisk CPU per call", f"{cpm['asterisk']} ms ({ld['asterisk_per_controller_cpu']}x the controllers')"),
        ("  the same above idle", f"controllers {ld['cpu_ms_per_call_above_idle']['controllers']} ms, Asterisk "
                                  f"{ld['cpu_ms_per_call_above_idle']['asterisk']} ms (idle ms/s: "
                                  f"{ld['idle_cpu_ms_per_s']})"),
        ("digit to next prompt (Asterisk)", f"p50 {d2p['p50_ms']} ms, p95 {d2p['p95_ms']} ms, max {d2p['max_ms']} ms "
                                            f"({d2p['samples']} of {d2p['digits']} digits)"),
        ("  in the controller (/metrics)", f"p50 {ctl.get('p50_ms')} ms, p95 {ctl.get('p95_ms')} ms "
                                           f"({ctl.get('samples')} samples, bucket-interpolated)"),
        ("phase 2: in progress at SIGKILL", f"{fo['in_progress_at_kill']} ({fo['on_killed_at_kill']} on soak-a)"),
        ("  served in the menu", str(fo["served"])),
        ("  to the fallback queue", f"{fo['fallback']} (joined {fo['fallback_joined']}; refused, hung up: {refused})"),
        ("  dropped (goal 0)", str(fo["dropped"])),
        ("  doubled / rows left open", f"{fo['doubled']} / {fo['rows_open']} (rows {fo['rows_total']}, "
                                       f"placed {fo['rows_expected']})"),
        ("  new calls after the kill", f"{fo['new_served_by_survivor']} of {fo['new_calls']} served by soak-b"),
        ("fold leadership takeover", f"{fo['fold_takeover_s']} s"),
    ]
    width = max(len(k) for k, _ in rows_)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows_)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ivr.bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="concurrent calls per phase (default 200)")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from ..audio.synth import load_catalog, synth_missing
    from ..config import load_settings
    from ..sandbox.chroot import Sandbox
    from . import raise_nofile
    from .reports_bench import BenchPostgres

    raise_nofile()
    WORK.mkdir(parents=True, exist_ok=True)
    settings = load_settings(E2E_CONFIG)
    synth_missing(load_catalog(E2E_CATALOG), settings.prompts_dir, ["en"])
    sandbox = Sandbox.for_project(ROOT, ROOT / "var/sandbox")
    started_sandbox = not sandbox.is_up()
    if started_sandbox:
        subprocess.run([*IVR, "sandbox", "up"], cwd=ROOT, check=True)
    pg = BenchPostgres()
    try:
        pg.start()
        db_url = fresh_database(pg)
        t0 = time.monotonic()
        res = asyncio.run(soak(args.calls, db_url, sandbox, settings))
        res["soak_s"] = round(time.monotonic() - t0, 1)
    finally:
        pg.stop()
        if started_sandbox:
            subprocess.run([*IVR, "sandbox", "down"], cwd=ROOT)
    res["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    res["method"] = ("digit to next prompt: Asterisk's log (agi set debug on), the AGI reply handing the "
                     "controller a digit to the channel's next 'Playing' line; CPU: /proc/<pid>/stat "
                     "utime+stime across phase 1 over its calls")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=2) + "\n")
    print(table(res))
    print(f"\n(written to {args.json}; soak took {res['soak_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
