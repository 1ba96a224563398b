"""`python -m bench`: FastAGI throughput, round trip, CPU and held-session memory.

Four server variants (panoramisk or ours, on asyncio or uvloop) each run in
their own process and are driven over loopback by one synthetic-Asterisk
client process (ivr/bench/agi_client.py). Prints three tables (throughput and
round trip per concurrency, server CPU split into per-command and
per-session costs, memory and loop lag with 2,000 held sessions) and writes
var/bench/results.json. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

from ..errors import BenchError
from . import agi_client, agi_servers, core_bench, import_bench, raise_nofile, reports_bench

VARIANTS = [("panoramisk", "asyncio"), ("panoramisk", "uvloop"), ("ours", "asyncio"), ("ours", "uvloop")]
BASELINE = "panoramisk"
# (concurrency, sessions, repeat): repeat=1 is the 6-command script; the
# 66-command run at c=100 splits CPU into per-command and per-session costs.
LEVELS = [(10, 2000, 1), (100, 2000, 1), (1000, 3000, 1)]
LONG = (100, 500, 16)
ROUNDS = 5
WARMUP_SESSIONS = 300
HELD_SESSIONS = 2000
HELD_SETTLE_S = 0.5
HELD_LAG_WINDOW_S = 2.0
REPLY_TIMEOUT_S = 120.0
RESULTS = Path("var/bench/results.json")   # run from the checkout, as `make bench` does
# asyncio reads with sock.recv(256 KiB); glibc serves that with mmap, shrinks
# it and unmaps it, so every read costs page faults, or none at all once some
# large free has raised glibc's dynamic threshold: half the CPU per command
# can hinge on the heap's history. Fixed thresholds make the runs comparable
# (off with --raw-malloc). The held-session servers keep glibc's defaults.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(4 << 20), "MALLOC_TRIM_THRESHOLD_": str(128 << 20)}
COMMANDS = len(agi_servers.script(1))

ctx = multiprocessing.get_context("spawn")  # clean processes: honest RSS baselines


def _recv(conn, what: str, timeout: float = REPLY_TIMEOUT_S):
    if not conn.poll(timeout):
        raise BenchError(f"no answer from the {what} within {timeout:g} s")
    try:
        return conn.recv()
    except EOFError:
        raise BenchError(f"the {what} process died") from None


class Proc:
    """A child process and the pipe to it."""

    def __init__(self, what: str, target, *args, env: dict[str, str] | None = None):
        self.what = what
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=target, args=(*args, child), daemon=True, name=what)
        saved = dict(os.environ)
        os.environ.update(env or {})  # a spawned child starts with this environment
        try:
            self.proc.start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        child.close()

    def ask(self, *msg, timeout: float = REPLY_TIMEOUT_S):
        try:
            self.conn.send(msg[0] if len(msg) == 1 and isinstance(msg[0], str) else msg)
        except OSError:
            raise BenchError(f"the {self.what} process died") from None
        return _recv(self.conn, self.what, timeout)

    def close(self, goodbye) -> None:
        try:
            self.conn.send(goodbye)
        except OSError:
            pass
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)
        self.conn.close()


class Server(Proc):
    def __init__(self, kind: str, loop: str, env: dict[str, str] | None = None):
        super().__init__(f"{kind}+{loop} server", agi_servers.serve, kind, loop, env=env)
        self.port = _recv(self.conn, self.what, 30)["port"]

    def stats(self) -> dict:
        return self.ask("stats")

    def stop(self) -> None:
        self.close("stop")


def load(client: Proc, port: int, concurrency: int, sessions: int, repeat: int = 1) -> dict:
    return client.ask("load", port, concurrency, sessions, repeat, len(agi_servers.script(repeat)))


def measure(client: Proc, server: Server, concurrency: int, sessions: int, repeat: int) -> dict:
    """One run of `sessions` calls against one server: what the client and the server saw."""
    before = server.stats()
    res = load(client, server.port, concurrency, sessions, repeat)
    try:
        after = server.stats()
    except BenchError as exc:  # keep what the client saw: the failed sessions
        return {"error": str(exc), "ok": res["ok"], "failed": res["failed"], "errors": res["errors"]}
    cpu, wall = after["cpu_s"] - before["cpu_s"], res["wall_s"]
    ok = res["ok"] or 1
    return dict(
        sessions_per_s=res["sessions_per_s"], ok=res["ok"], failed=res["failed"], errors=res["errors"],
        commands=res["commands"], wall_s=wall,
        rtt_us=res["rtt_us"], first_cmd_us=res["first_cmd_us"], session_ms=res["session_ms"],
        server_cpu_s=round(cpu, 4),
        server_cpu_us_per_cmd=round(cpu / res["commands"] * 1e6, 2) if res["commands"] else None,
        server_cpu_us_per_session=round(cpu / res["ok"] * 1e6, 1) if res["ok"] else None,
        server_cpu_util=round(cpu / wall, 3) if wall else None,
        server_sys_share=round((after["sys_s"] - before["sys_s"]) / cpu, 3) if cpu else None,
        server_page_faults_per_session=round((after["minor_faults"] - before["minor_faults"]) / ok, 1),
        server_gc_collections=[b - a for a, b in zip(before["gc_collections"], after["gc_collections"])],
        client_cpu_util=round(res["client_cpu_s"] / wall, 3) if wall else None,
        server_lag_ms=after["lag_ms"],
        server_aborted=after["aborted"] - before["aborted"],
    )


def throughput(client: Proc, levels, rounds: int, warmup: int, env: dict[str, str]) -> list[dict]:
    """All variants, `rounds` times over, interleaved so drift hits them alike; medians per cell."""
    servers: dict[tuple[str, str], Server] = {}
    samples: dict[tuple, list[dict]] = {(v, lv): [] for v in VARIANTS for lv in levels}
    try:
        for v in VARIANTS:
            try:
                servers[v] = Server(*v, env=env)
                load(client, servers[v].port, 10, warmup)
            except BenchError as exc:
                for lv in levels:
                    samples[(v, lv)].append({"error": str(exc)})
        for rnd in range(rounds):
            order = VARIANTS[rnd % len(VARIANTS):] + VARIANTS[: rnd % len(VARIANTS)]
            print(f"  throughput round {rnd + 1}/{rounds} ...", file=sys.stderr, flush=True)
            for lv in levels:
                for v in order:
                    if v not in servers:
                        continue
                    try:
                        sample = measure(client, servers[v], *lv)
                    except BenchError as exc:
                        sample = {"error": str(exc)}
                    samples[(v, lv)].append(sample)
                    if "error" in sample:  # a dead server: report it, go on with the others
                        servers.pop(v).stop()
    finally:
        for server in servers.values():
            server.stop()
    return [aggregate(v, lv, samples[(v, lv)]) for v in VARIANTS for lv in levels]


IVR_VARIANTS = [("panoramisk", "uvloop"), ("ours", "uvloop"), ("ivr", "uvloop")]
IVR_LEVEL = (100, 2000, 1)


def ivr_path(client: Proc, rounds: int, warmup: int, env: dict[str, str]) -> list[dict]:
    """The whole IVR path (interpreter, session driver, call log) per session, beside the
    bare handler and our bare transport, on the same 6 commands; interleaved, medians."""
    servers = {v: Server(*v, env=env) for v in IVR_VARIANTS}
    samples: dict[tuple, list[dict]] = {v: [] for v in IVR_VARIANTS}
    try:
        for v, server in servers.items():
            load(client, server.port, 10, warmup)
        for rnd in range(rounds):
            print(f"  IVR path round {rnd + 1}/{rounds} ...", file=sys.stderr, flush=True)
            for v in IVR_VARIANTS[rnd % 3:] + IVR_VARIANTS[:rnd % 3]:
                samples[v].append(measure(client, servers[v], *IVR_LEVEL))
    finally:
        for server in servers.values():
            server.stop()
    rows = [aggregate(v, IVR_LEVEL, samples[v]) for v in IVR_VARIANTS]
    add_ratios(rows, "server_cpu_us_per_session", "sessions_per_core_ratio", invert=True)
    add_ratios(rows, "sessions_per_s", "sessions_ratio")
    return rows


def print_ivr_path(rows: list[dict]) -> None:
    print("\nThe whole IVR path at c=100, 6 commands a call (interpreter, session driver, call log in SQLite)")
    print(f"  {'variant':18}  {'sess/s':>7}  {'x base':>6}  {'CPU us/sess':>11}  {'sess/core x':>11}  {'failed':>6}")
    for r in rows:
        print(f"  {r['server'] + '+' + r['loop']:18}  {r.get('sessions_per_s', 0):>7,.0f}  "
              f"{r.get('sessions_ratio', 0):>6.2f}  {r.get('server_cpu_us_per_session') or 0:>11,.0f}  "
              f"{r.get('sessions_per_core_ratio', 0):>11.2f}  {r.get('failed', 0):>6}")
    print("  ivr = ivr.controller.run_call as `ivr serve` runs it; x = against the bare panoramisk handler.")


def _median(values):
    values = [x for x in values if x is not None]
    return round(statistics.median(values), 2) if values else None


def aggregate(variant: tuple[str, str], level: tuple[int, int, int], runs: list[dict]) -> dict:
    concurrency, sessions, repeat = level
    row: dict = {"server": variant[0], "loop": variant[1], "concurrency": concurrency, "sessions": sessions,
                 "commands_per_session": len(agi_servers.script(repeat))}
    good = [r for r in runs if "error" not in r]
    errors: collections.Counter[str] = collections.Counter()
    for r in runs:
        errors.update(r.get("errors", {}))
    row.update(ok=sum(r.get("ok", 0) for r in runs), failed=sum(r.get("failed", 0) for r in runs),
               errors=dict(errors.most_common(5)))
    if not runs:
        row["error"] = "not run: the server process had died"
    elif len(good) < len(runs):
        row["error"] = next(r["error"] for r in runs if "error" in r)
    if not good:
        row["runs"] = runs
        return row
    for key in ("sessions_per_s", "server_cpu_us_per_cmd", "server_cpu_us_per_session",
                "server_cpu_util", "client_cpu_util", "server_sys_share", "server_page_faults_per_session"):
        row[key] = _median(r[key] for r in good)
    for key in ("rtt_us", "first_cmd_us", "session_ms", "server_lag_ms"):
        row[key] = {p: _median((r[key] or {}).get(p) for r in good) for p in ("p50", "p99")}
    cpu = [r["server_cpu_us_per_cmd"] for r in good if r["server_cpu_us_per_cmd"]]
    row.update(
        rounds=len(good),
        cpu_spread=round((max(cpu) - min(cpu)) / statistics.median(cpu), 3) if cpu else None,
        runs=runs,
    )
    return row


def held(client: Proc, kind: str, loop: str, k: int, warmup: int) -> dict:
    row: dict = {"server": kind, "loop": loop, "target": k}
    try:
        server = Server(kind, loop)
    except BenchError as exc:
        row["error"] = str(exc)
        return row
    holding = False
    try:
        load(client, server.port, 10, warmup)  # load the code paths first
        time.sleep(0.2)
        base = server.stats()
        client.conn.send(("hold", server.port, k))
        holding = True
        _, n_held = _recv(client.conn, "client")
        time.sleep(HELD_SETTLE_S)
        ramp = server.stats()  # lag covers the 2,000 connections arriving
        time.sleep(HELD_LAG_WINDOW_S)
        idle = server.stats()  # lag covers only the held, idle sessions
        holding = False
        res = client.ask("release")
        row.update(
            held=n_held, server_in_progress=idle["started"] - idle["done"] - idle["aborted"],
            failed=res["failed"], errors=res["errors"],
            rss_base_kib=base["rss_kib"], rss_held_kib=idle["rss_kib"],
            rss_kib_per_session=round((idle["rss_kib"] - base["rss_kib"]) / n_held, 2) if n_held else None,
            lag_ms_ramp=ramp["lag_ms"], lag_ms_held=idle["lag_ms"],
        )
    except BenchError as exc:
        row["error"] = str(exc)
        if holding:  # the client still waits for "release": end its hold job
            try:
                client.ask("release")
            except BenchError:
                pass
    finally:
        server.stop()
    return row


def add_ratios(rows: list[dict], key: str, ratio_key: str, invert: bool = False) -> None:
    """ours/baseline (or baseline/ours if invert) of `key` for the same loop and concurrency."""
    def where(r: dict) -> tuple:
        return r["loop"], r.get("concurrency"), r.get("commands_per_session")

    base = {where(r): r.get(key) for r in rows if r["server"] == BASELINE}
    for r in rows:
        b, v = base.get(where(r)), r.get(key)
        if b and v:
            r[ratio_key] = round((b / v) if invert else (v / b), 2)


def cpu_split(rows: list[dict]) -> list[dict]:
    """Per-command and per-session server CPU from the short and long runs at LONG's concurrency.

    CPU per session = fixed + commands * marginal; two script lengths give both.
    """
    short_n, long_n = COMMANDS, len(agi_servers.script(LONG[2]))
    out = []
    for kind, loop in VARIANTS:
        runs = {r["commands_per_session"]: r.get("server_cpu_us_per_session") for r in rows
                if (r["server"], r["loop"], r["concurrency"]) == (kind, loop, LONG[0])}
        short, long_ = runs.get(short_n), runs.get(long_n)
        row = {"server": kind, "loop": loop, "concurrency": LONG[0], "commands": [short_n, long_n]}
        if short and long_:
            marginal = (long_ - short) / (long_n - short_n)
            row.update(cpu_us_per_cmd=round(marginal, 2), cpu_us_per_session_fixed=round(short - short_n * marginal, 1))
        out.append(row)
    add_ratios(out, "cpu_us_per_cmd", "cmds_per_core_ratio", invert=True)
    add_ratios(out, "cpu_us_per_session_fixed", "sessions_per_core_ratio", invert=True)
    return out


def print_split(rows: list[dict]) -> None:
    head = ("variant", "CPU us/cmd", "cmds/core x", "CPU us/session fixed", "sessions/core x")
    lines = [head] + [(f"{r['server']}+{r['loop']}", _fmt(r.get("cpu_us_per_cmd"), 1),
                       _fmt(r.get("cmds_per_core_ratio"), 2), _fmt(r.get("cpu_us_per_session_fixed")),
                       _fmt(r.get("sessions_per_core_ratio"), 2)) for r in rows]
    n = rows[0]["commands"] if rows else ["?", "?"]
    _table(lines, f"Server CPU split at c={LONG[0]}: {n[0]}- vs {n[1]}-command sessions")
    print("  CPU per session = fixed + cmds x (CPU us/cmd); x = panoramisk CPU / ours on the same loop (higher is better).")


def _fmt(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _get(d: dict | None, key: str):
    return d.get(key) if d else None


def print_throughput(rows: list[dict]) -> None:
    head = ("variant", "conc", "cmds", "sess/s", "x base", "rtt p50 us", "rtt p99 us", "CPU us/cmd", "+-",
            "cmds/core x", "CPU us/sess", "srv CPU", "lag p99 ms", "failed")
    lines = [head]
    for r in rows:
        variant, conc, cmds = f"{r['server']}+{r['loop']}", str(r["concurrency"]), str(r["commands_per_session"])
        failed = str(r.get("failed", "-")) + (f" ({'; '.join(list(r['errors'])[:2])})" if r.get("failed") else "")
        if "error" in r:
            failed = f"ERROR: {r['error']}; failed {failed}"
        if "sessions_per_s" not in r:
            lines.append((variant, conc, cmds) + ("-",) * (len(head) - 4) + (failed,))
            continue
        lines.append((
            variant, conc, cmds, _fmt(r["sessions_per_s"]), _fmt(r.get("sessions_ratio"), 2),
            _fmt(r["rtt_us"]["p50"]), _fmt(r["rtt_us"]["p99"]),
            _fmt(r["server_cpu_us_per_cmd"], 1), f"{r['cpu_spread'] / 2:.0%}" if r["cpu_spread"] is not None else "-",
            _fmt(r.get("cmds_per_core_ratio"), 2), _fmt(r["server_cpu_us_per_session"]),
            f"{r['server_cpu_util']:.0%}" if r["server_cpu_util"] else "-",
            _fmt(r["server_lag_ms"]["p99"], 1), failed,
        ))
    rounds = max((r.get("rounds", 0) for r in rows), default=0)
    _table(lines, f"FastAGI throughput (cmds = AGI commands per session; medians of {rounds} interleaved runs)")
    print("  x base = ours / panoramisk on the same loop; cmds/core x = panoramisk CPU per command / ours;")
    print("  rtt = client writes a reply -> reads the next command; CPU = server process CPU over the run,")
    print("  per command including session setup; +- = half the min-max spread of CPU us/cmd over the runs.")


def print_held(rows: list[dict]) -> None:
    head = ("variant", "held", "RSS KiB/sess", "x base", "lag p99 ms ramp", "lag p99 ms held", "failed")
    lines = [head]
    for r in rows:
        variant = f"{r['server']}+{r['loop']}"
        if "error" in r:
            lines.append((variant, "-", "ERROR: " + r["error"], "", "", "", ""))
            continue
        failed = str(r["failed"]) + (f" ({', '.join(r['errors'])})" if r["failed"] else "")
        lines.append((variant, str(r["held"]), _fmt(r["rss_kib_per_session"], 1), _fmt(r.get("rss_ratio"), 2),
                      _fmt(_get(r["lag_ms_ramp"], "p99"), 2), _fmt(_get(r["lag_ms_held"], "p99"), 2), failed))
    _table(lines, "Held sessions (idle, each server awaiting its first reply)")
    print("  x base = ours / panoramisk RSS per session on the same loop (lower is better);")
    print("  lag = lateness of a 10 ms timer in the server: ramp while they connect, held once idle.")


def _table(lines, title: str) -> None:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    print(f"\n{title}")
    for n, line in enumerate(lines):
        cells = [c.ljust(w) if i == 0 or i == len(line) - 1 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))]
        print("  " + "  ".join(cells).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def machine_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    return {
        "nproc": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)), "cpu_model": model,
        "python": sys.version.split()[0], "implementation": platform.python_implementation(),
        "platform": platform.platform(), "uvloop": version("uvloop"), "panoramisk": version("panoramisk"),
        "nofile_limit": raise_nofile(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every session count (default 1)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"runs per cell, medians reported (default {ROUNDS})")
    parser.add_argument("--raw-malloc", action="store_true",
                        help="leave glibc's malloc thresholds alone in the throughput runs (noisier)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    args = parser.parse_args(argv)

    def scaled(n: int) -> int:
        return max(1, round(n * args.scale))

    levels = [(c, scaled(n), r) for c, n, r in LEVELS + [LONG]]
    k, warmup = scaled(HELD_SESSIONS), scaled(WARMUP_SESSIONS)
    info = machine_info()
    print(f"bench: {info['nproc']} CPUs ({info['cpu_model'] or 'unknown'}), Python {info['python']}, "
          f"uvloop {info['uvloop']}, panoramisk {info['panoramisk']}")
    env = {} if args.raw_malloc else MALLOC_ENV
    print("throughput runs: " + (" ".join(f"{name}={value}" for name, value in env.items()) or "glibc malloc defaults")
          + "; held sessions: glibc malloc defaults")
    t0 = time.perf_counter()
    client = Proc("client", agi_client.client_process, env=env)
    try:
        rows = throughput(client, levels, args.rounds, warmup, env)
        ivr_rows = ivr_path(client, min(args.rounds, 3), warmup, env)
        held_rows = []
        for kind, loop in VARIANTS:
            print(f"  held sessions {kind}+{loop} ...", file=sys.stderr, flush=True)
            held_rows.append(held(client, kind, loop, k, warmup))
    finally:
        client.close(("quit",))
    add_ratios(rows, "sessions_per_s", "sessions_ratio")
    add_ratios(rows, "server_cpu_us_per_cmd", "cmds_per_core_ratio", invert=True)
    add_ratios(held_rows, "rss_kib_per_session", "rss_ratio")
    split_rows = cpu_split(rows)
    print_throughput(rows)
    print_split(split_rows)
    print_held(held_rows)
    print_ivr_path(ivr_rows)
    core = core_bench.run()
    imported = import_bench.run(scaled(import_bench.ROWS))
    reports = reports_bench.run()   # reports at a year of history (issue 13): var/bench/reports.json too
    elapsed = time.perf_counter() - t0
    results = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": info,
        "config": {"script": agi_servers.LINES, "long_script_repeat": LONG[2],
                   "levels": [{"concurrency": c, "sessions": n, "commands_per_session": len(agi_servers.script(r))}
                              for c, n, r in levels],
                   "warmup_sessions": warmup, "rounds": args.rounds, "throughput_malloc_env": env,
                   "held_sessions": k, "baseline": BASELINE, "elapsed_s": round(elapsed, 1)},
        "throughput": rows,
        "cpu_split": split_rows,
        "held": held_rows,
        "ivr_path": ivr_rows,
        "in_process": core,
        "import": imported,
        "reports": reports,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
