"""`ivr serve`: the FastAGI server running menus, with call logging, SIGTERM
draining and config reload."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import json
import logging
import os
import secrets
import signal
from dataclasses import dataclass

from .agi.fastagi import FastAGIChannel, FastAGIServer
from .config import Settings
from .hotlines.model import Hotlines
from .errors import ChannelHungUp, IVRError
from .menu.interpreter import CallContext
from .menu.model import Menu
from .menu.outcome import CALLER_HANGUP, ERROR, HangupCause, StepKind
from .menu.prompts import PromptResolver
from .menu.session import SessionDriver
from .store.calllog import CallLogWriter, CallRecord
from .data.lookup import DataSource
from .live import metrics as call_metrics
from .store.db import open_engine

log = logging.getLogger("ivr.controller")


@dataclass(frozen=True)
class Loaded:
    """One consistent version of the config: calls keep the one they started on."""

    settings: Settings
    menu: Menu                 # the default hotline's
    prompts: PromptResolver
    hotlines: Hotlines = None  # type: ignore[assignment]  # every hotline; set by the load path

    def __post_init__(self) -> None:
        if self.hotlines is None:   # a Loaded made by hand from one menu: that menu answers every number
            from .hotlines.model import DEFAULT, Hotline
            object.__setattr__(self, "hotlines", Hotlines({DEFAULT: Hotline(DEFAULT, "", (), self.menu)}, DEFAULT))


def load(path, *, require_prompts: bool = False) -> Loaded:
    """The config at `path` if `ivr validate` finds no error in it, else ConfigError with every
    error line: the one load path (ivr/menu/loading.py). Serve, simulate, graph and reload ask
    for every prompt file too (require_prompts); `ivr prompts` loads to find the missing ones."""
    from .menu.loading import load_config
    return load_config(path, require_prompts=require_prompts)


class Controller:
    def __init__(self, loaded: Loaded):
        self.current = loaded
        self.engine = open_engine(loaded.settings.database_url)
        ctl = loaded.settings.controller
        self.owner = ctl.owner
        self.spool_dir = loaded.settings.state_dir / "spool" / _safe_name(self.owner)
        self.calllog = CallLogWriter(self.engine, spool_dir=self.spool_dir)
        from .data.cache import ResilientData
        from .queues.store import CallbackWriter
        self.callbacks = CallbackWriter(self.engine, spool_dir=self.spool_dir)
        self.data = ResilientData(DataSource(self.engine), self.callbacks)
        from .store.surveys import SurveyWriter
        self.surveys = SurveyWriter(self.engine, spool_dir=self.spool_dir)
        self.data.warm()   # tariffs and billing rules in memory: an outage later finds them ready
        self.recordings: set[asyncio.Task] = set()
        self.causes: set[asyncio.Task] = set()  # calls that ended in a queue, waiting for who hung up
        from .queues.consumer import QueueConsumer, wrapup_times
        qs = loaded.settings.queues
        wrapup = wrapup_times(qs.queues_conf)
        # One AMI link and folder per Asterisk (`ami:` may list several), each with its own
        # leader among the controllers (ivr/queues/leadership.py). The first also places test
        # calls and callbacks and feeds the metrics: `self.queues`.
        self.consumers = [
            QueueConsumer(ami, self.engine, ami.queue_log or (qs.queue_log if i == 0 else None), wrapup,
                          spool_dir=self.spool_dir / _safe_name(ami.name) if i else self.spool_dir,
                          timezone=loaded.menu.timezone, service_level_s=qs.service_level_s,
                          resync_s=loaded.settings.live.resync_s, state_dir=loaded.settings.state_dir,
                          owner=self.owner)
            for i, ami in enumerate(loaded.settings.asterisks)]
        self.queues = self.consumers[0]
        self.server = FastAGIServer(self.handle, ctl.host, ctl.port, ctl.header_timeout, ctl.max_header_bytes,
                                    ctl.allow, token=ctl.agi_token())

    async def handle(self, channel: FastAGIChannel) -> None:
        loaded = self.current
        record = await run_call(loaded, channel, self.calllog, self.data, owner=self.owner, surveys=self.surveys)
        if record.consent:
            # The file closes only when Asterisk destroys the channel, after this
            # session: store it in the background, and let drain wait for it.
            task = asyncio.create_task(store_recording(self.engine, loaded.settings, record),
                                       name=record.unique_id)
            self.recordings.add(task)
            task.add_done_callback(self.recordings.discard)
        if not record.hangup_cause:
            task = asyncio.create_task(queue_hangup_cause(self.engine, record.unique_id), name=record.unique_id)
            self.causes.add(task)
            task.add_done_callback(self.causes.discard)

    def reload(self, reason: str) -> bool:
        """Load the config again if it validates; otherwise keep the old one.

        Calls in progress hold the Loaded they started with, so they finish
        on their version; the next call gets the new one."""
        from .errors import ConfigError
        from .menu.loading import error_lines, load_config
        path = self.current.settings.path
        kept: dict[str, list[str]] = {}
        try:
            # Validated: what `ivr validate` refuses never runs; a hotline whose own file is
            # broken keeps its last good version, the others take their new one.
            new = load_config(path, require_prompts=True, previous=self.current, kept=kept)
        except ConfigError as exc:
            for line in error_lines(exc):
                log.error("reload refused (%s): %s", reason, line)
            return False
        except IVRError as exc:
            log.error("reload refused (%s): %s", reason, exc)
            return False
        for name, lines in kept.items():
            for line in lines:
                log.error("hotline %s keeps its last good version (%s): %s", name, reason, line)
        for name, hotline in new.hotlines.by_name.items():
            old = self.current.hotlines.by_name.get(name)
            if old is None or old.menu.version != hotline.menu.version:
                log.info("config reloaded (%s): hotline %s menu version %s -> %s", reason, name,
                         old.menu.version if old else "-", hotline.menu.version)
        self.current = new
        return True

    async def _watch(self, interval: float = 1.0) -> None:
        # Polling the file's stamp needs no extra package and survives editors
        # that replace the file (new inode) instead of writing in place.
        last = self._stamps()
        while True:
            await asyncio.sleep(interval)
            now = self._stamps()
            if now != last:
                last = now
                self.reload("file changed")

    def _stamps(self) -> tuple:
        """The config's stamp and each hotline file's: editing one client's file reloads too."""
        from .hotlines.load import hotline_files
        settings = self.current.settings
        files = [settings.path, *sorted(hotline_files(settings.raw, settings.base).values())]
        return tuple(_stamp(f) for f in files)

    async def _sweep_recordings(self) -> None:
        """Consenting calls whose closed file has no row yet (the controller
        stopped before it was stored): store them now. A file still being
        written belongs to a live call, whose own controller stores it."""
        from .recordings.finalize import finalize
        from .recordings.store import unstored_consenting_calls
        settings = self.current.settings
        folder, fmt = settings.recordings.directory, settings.recordings.format
        try:
            missing = await asyncio.to_thread(unstored_consenting_calls, self.engine, folder, fmt)
            for call in missing:
                await finalize(self.engine, folder, call.unique_id, call.caller_id, "", "", call.at, timeout=2,
                               fmt=fmt)
            if missing:
                log.info("recordings sweep: %d consenting call(s) had a file and no row", len(missing))
        except Exception:  # the sweep must never stop the controller from serving
            log.exception("recordings sweep failed")

    async def _build_report_summary(self) -> None:
        """The reports' summary (ivr/reports/summary), built once for the configured service
        level if it is not: after the migration that adds it, or a change of the threshold.
        In the background: calls are served meanwhile, and the reports read the detail rows."""
        from .reports.summary.store import ensure_built
        try:
            done = await asyncio.to_thread(ensure_built, self.engine, self.current.settings.queues.service_level_s)
            if done is not None:
                log.info("report summary built: %d summary row(s) from %d handle-time row(s) in %.1f s",
                         done.hour_rows, done.handle_time_rows, done.seconds)
        except Exception:   # reports fall back to the detail rows; serving goes on
            log.exception("building the report summary failed (ivr report rebuild tries again)")

    def _claim_id(self) -> None:
        """Hold this controller's id for as long as it runs (the fold-leadership lock kind: a
        PostgreSQL advisory lock, or a lock file on SQLite), so that a second controller given
        the same id (a cloned host, a copied config) refuses to start instead of closing the
        first one's calls in progress as controller-lost. IVRError names the id."""
        from .queues.leadership import lock_for
        settings = self.current.settings
        self.id_lock = lock_for(self.engine, settings.state_dir, f"controller-{self.owner}", self.owner)
        try:
            held = self.id_lock.try_acquire()
        except Exception:   # the database is away: the spool and the sweep cope; serve anyway
            log.warning("could not check that controller id %s is not already running", self.owner)
            return
        if not held:
            raise IVRError(f"controller id {self.owner!r} is already running (another `ivr serve` with this "
                           "controller.id holds it): give each controller its own controller.id")

    async def _close_lost_calls(self) -> None:
        """Calls this controller left open when it died: the spool first (it may hold
        their ends), then whatever is still open is controller-lost."""
        from .store.calllog import close_lost_calls
        try:
            await asyncio.to_thread(self.calllog.wait_landed, 30)
            lost = await asyncio.to_thread(close_lost_calls, self.engine, self.owner)
            for uid in lost:
                log.warning("call closed as controller-lost: this controller stopped during it", extra={"uid": uid})
            if lost:
                log.warning("%d call(s) left open by an earlier run closed as controller-lost", len(lost))
        except Exception:  # a database hiccup here must not stop the controller from serving
            log.exception("closing the calls of an earlier run failed")

    def status(self) -> dict:
        """What `var/status/<controller>.json` says: calls in progress, the spool, refusals."""
        from datetime import datetime, timezone
        return {"owner": self.owner, "pid": os.getpid(), "at": datetime.now(timezone.utc).isoformat(),
                "menu_version": self.current.menu.version, "calls_in_progress": len(self.server.sessions),
                "spool": {"call_log": self.calllog.depth, "handle_times": self._handle_time_depth(),
                          "callback_requests": self.callbacks.depth, "survey_answers": self.surveys.depth},
                "refused_connections": self.server.rejected,
                "queue_records": self.queues.leader_status(),   # does this controller write them (leadership)
                "asterisks": [{"name": c.name, **c.leader_status(), "ami": c.live.connected} for c in self.consumers]}

    def _handle_time_depth(self) -> int:
        return sum(c.writer.depth for c in self.consumers)

    def _write_status(self) -> None:
        folder = self.current.settings.state_dir / "status"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{_safe_name(self.owner)}.json.tmp"
            tmp.write_text(json.dumps(self.status(), indent=2) + "\n")
            os.replace(tmp, folder / f"{_safe_name(self.owner)}.json")
        except OSError as exc:   # a full or read-only disk must not stop the calls
            log.warning("status file not written: %s", exc)

    async def _report_spool(self, interval: float = 5.0) -> None:
        """The spool depth in the log while records wait for the database, and the
        status file (var/status/<controller>.json) every `interval` seconds."""
        was = 0
        while True:
            self._write_status()
            await asyncio.sleep(interval)
            depth = self.spool_depth
            if depth or was:
                log.warning("spool: %d record(s) waiting for the database (call log %d, handle times %d, "
                            "callback requests %d)", depth, self.calllog.depth, self._handle_time_depth(),
                            self.callbacks.depth)
            was = depth

    @property
    def spool_depth(self) -> int:
        return self.calllog.depth + self._handle_time_depth() + self.callbacks.depth + self.surveys.depth

    async def run(self, ready=None) -> None:
        raise_open_file_limit()
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(_loop_exception)
        # Before the port opens: a reload or stop sent as soon as it accepts is not lost.
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: self.reload("SIGHUP"))
        self._claim_id()
        await self._close_lost_calls()
        await self.server.start()
        from .live.health import start_endpoint
        endpoint = await start_endpoint(self)   # /metrics and /health on controller.metrics_port
        for consumer in self.consumers:
            consumer.start()
        watcher = asyncio.create_task(self._watch())
        sweep = asyncio.create_task(self._sweep_recordings())
        summary = asyncio.create_task(self._build_report_summary())
        spool = asyncio.create_task(self._report_spool())
        log.info("FastAGI listening on %s:%d (menu version %s)", self.server.host, self.server.port,
                 self.current.menu.version)
        if ready:
            ready()
        await stop.wait()
        watcher.cancel()
        sweep.cancel()
        spool.cancel()
        summary.cancel()
        log.info("draining %d call(s) in progress", len(self.server.sessions))
        left = await self.server.drain(self.current.settings.controller.drain_timeout)
        if left:
            log.warning("%d call(s) cut after the drain timeout", left)
        if self.causes:
            await asyncio.wait(set(self.causes), timeout=QUEUE_RECORD_WAIT)
        if self.recordings:
            _, pending = await asyncio.wait(set(self.recordings), timeout=60)
            for task in pending:   # the file stays; its row is missing until it is stored again
                log.warning("recording of a consenting call still open at shutdown, not stored",
                            extra={"uid": task.get_name()})
        self.calllog.close()
        self.callbacks.close()
        self.surveys.close()
        for consumer in self.consumers:
            consumer.close()
        if getattr(self, "id_lock", None) is not None:
            self.id_lock.release()
        if endpoint is not None:
            await endpoint.stop()


def _stamp(path) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


_descriptors_log = None


def _loop_exception(loop, context: dict) -> None:
    """asyncio's accept() out of descriptors (EMFILE/ENFILE) drops a connection, maybe a
    real call's: say so clearly, at most once a second; the rest as asyncio would."""
    global _descriptors_log
    exc = context.get("exception")
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        if _descriptors_log is None:
            from .agi.fastagi import Throttled
            _descriptors_log = Throttled(log)
        import resource
        _descriptors_log("refusing AGI connections: out of file descriptors (%s; open-file limit %d); "
                         "calls go to the dialplan's fallback queue", exc.strerror,
                         resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        return
    loop.default_exception_handler(context)


def _safe_name(owner: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in owner)


def raise_open_file_limit() -> None:
    """Soft RLIMIT_NOFILE up to the hard limit: each call holds a socket, and the common
    soft limit of 1,024 is reached by a connection flood long before the machine is busy."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            log.info("open-file limit raised from %d to %d", soft, hard)
        except (ValueError, OSError) as exc:
            log.warning("open-file limit stays %d: %s", soft, exc)


async def run_call(loaded: Loaded, channel, calllog: CallLogWriter, data: DataSource | None = None,
                   owner: str = "", surveys=None) -> CallRecord:
    """One call on any AGI channel: answer, walk the menu, log it whatever happens.
    The call row is this session's alone (a fresh session token; see ivr.store.calllog).
    A caller whose agent hung up (Queue() option c: QUEUESTATUS CONTINUE) is asked the
    queue's post-call survey, whose answers go to `surveys` (ivr.store.surveys.SurveyWriter)."""
    info = channel.info
    record = CallRecord(unique_id=info.unique_id, caller_id=info.caller_id, called=info.called,
                        channel=info.channel, language=loaded.menu.default_language,
                        config_version=loaded.menu.version, session=secrets.token_hex(8), owner=owner,
                        asterisk=info.asterisk)
    calls_log = logging.LoggerAdapter(log, {"uid": info.unique_id})
    cause: HangupCause | None = None
    driver: SessionDriver | None = None
    try:
        # The number called picks the hotline, before anything of the call is built.
        record.called = await _safe_variable(channel, "IVR_CALLED") or record.called
        hotline = loaded.hotlines.route(record.called)
        menu = hotline.menu
        record.hotline, record.client, record.recording_policy = hotline.name, hotline.client, str(hotline.recording)
        record.language, record.config_version = menu.default_language, menu.version
        ctx = CallContext(language=menu.default_language, caller_id=info.caller_id, timezone=menu.timezone,
                          recording=hotline.recording)
        driver = SessionDriver(menu, channel, ctx, record, loaded.prompts, loaded.settings.recordings.directory,
                               loaded.settings.recordings.format, data=data)
        calllog.start_call(record)
        call_metrics.call_started(record)
        calls_log.info("call from %r to %r: hotline %s", record.caller_id, record.called, hotline.name)
        if hotline.fallback_queue:   # where the dialplan sends the caller if this controller is lost
            await channel.set_variable("IVR_FALLBACK_QUEUE", hotline.fallback_queue)
        await channel.answer()
        outcome = await driver.run()
        cause = driver.ended_by
        survey = "" if driver.gone else _post_call_survey(menu, record)
        if survey:
            # The conversation was the agent's to end: the queue's record keeps the cause
            # and the outcome stays the queue's, whatever happens during the survey.
            calls_log.info("agent hung up: post-call survey %s", survey)
            driver = SessionDriver(dataclasses.replace(menu, entry=survey), channel, ctx, record, loaded.prompts,
                                   loaded.settings.recordings.directory, loaded.settings.recordings.format,
                                   data=data)
            first = len(record.steps)
            try:
                await driver.run()
            finally:
                record.outcome, cause = str(outcome), None
                _hand_over_answers(record, first, surveys, calllog)
        if not driver.gone:
            await channel.set_variable("IVR_OUTCOME", str(outcome))
            cause = cause if survey else HangupCause.IVR  # the dialplan hangs up once IVR_OUTCOME is set
    except ChannelHungUp:
        record.outcome = record.outcome or str(CALLER_HANGUP)
        cause = (driver.ended_by if driver else None) or HangupCause.CALLER
    except IVRError as exc:
        record.outcome, record.error, cause = str(ERROR), str(exc), HangupCause.ERROR
        calls_log.error("call failed: %s", exc)
        # IVR_OUTCOME stays empty: the dialplan sends the caller to the operator queue.
    except Exception as exc:  # a bug or a database outage: logged, and the caller still reaches the queue
        record.outcome, record.error = str(ERROR), f"{type(exc).__name__}: {exc}"
        cause = HangupCause.ERROR
        calls_log.exception("call failed")
    finally:
        # The one place a call's hang-up cause is set. A call that ended inside a
        # queue has none yet: the queue's record says whether caller or agent hung up.
        record.hangup_cause = str(cause) if cause is not None else ""
        calllog.end_call(record)
        call_metrics.call_ended(record)
        calls_log.info("call ended: %s (hung up by %s)", record.outcome, record.hangup_cause or "the queue")
    return record


def _post_call_survey(menu: Menu, record: CallRecord) -> str:
    """The node to go on at after this call's agent hung up, or "": the caller came back from
    Queue() with CONTINUE and a node (a survey, ivr/menu/nodes/survey.py) names that queue in
    its after_queue field."""
    last = next((st for st in reversed(record.steps) if st.action == StepKind.QUEUE.value), None)
    if last is None or not last.detail:
        return ""
    detail = json.loads(last.detail)
    if detail.get("status") != "CONTINUE":
        return ""
    return next((name for name, node in menu.nodes.items()
                 if getattr(node, "after_queue", "") == detail.get("queue")), "")


def _hand_over_answers(record: CallRecord, first: int, surveys, calllog: CallLogWriter) -> None:
    """The survey's answered questions (input steps from `first` on) to the survey writer
    (without one, as for classic AGI, stored at once in the call log's database); an
    unanswered question gives no answer: a non-response, not a score."""
    from .store.surveys import SurveyAnswerItem, store_answers
    queue = next((json.loads(st.detail).get("queue", "") for st in reversed(record.steps[:first])
                  if st.action == StepKind.QUEUE.value and st.detail), "")
    items = []
    for st in record.steps[first:]:
        detail = json.loads(st.detail) if st.action == StepKind.INPUT.value and st.detail else {}
        if "survey" in detail and "score" in detail:
            items.append(SurveyAnswerItem(record.unique_id, detail["survey"], int(detail["score"]),
                                          int(detail.get("scale", 0)), queue, record.hotline, record.client, st.at))
    if items and surveys is not None:
        surveys.put_many(items)
    elif items:
        try:
            store_answers(calllog.engine, items)
        except Exception:  # the call goes on; the answers stay in its steps
            log.exception("storing the survey answers failed", extra={"uid": record.unique_id})


# A queue's record lands once AMI's Hangup is folded and written: seconds, unless AMI is down.
QUEUE_RECORD_WAIT = 30.0


async def queue_hangup_cause(engine, unique_id: str, wait: float = QUEUE_RECORD_WAIT, step: float = 0.5) -> None:
    """A call that ended inside a queue gets its hang-up cause (caller or agent) from the
    queue's handle-time record, once both that record and the call's end are stored.
    Still the controller's to set: run_call leaves it empty for this only."""
    from .queues.store import who_hung_up
    from .store.calllog import set_hangup_cause
    cause = None
    try:
        for _ in range(int(wait / step)):
            cause = cause or await asyncio.to_thread(who_hung_up, engine, unique_id)
            if cause is not None and await asyncio.to_thread(set_hangup_cause, engine, unique_id, str(cause)):
                return
            await asyncio.sleep(step)
        log.warning("hang-up cause unknown: no finished queue record within %.0f s", wait, extra={"uid": unique_id})
    except Exception:  # a database hiccup here must not take the controller down
        log.exception("setting the hang-up cause failed", extra={"uid": unique_id})


# A consenting caller the controller lost is recorded on, in the fallback queue, until
# the call ends: wait as long as a call may last for its file to close.
RECORDING_CLOSE_TIMEOUT = 4 * 3600


async def store_recording(engine, settings: Settings, record: CallRecord,
                          timeout: float = RECORDING_CLOSE_TIMEOUT) -> None:
    """The consenting call's recording, once closed, with the queue and agent
    that handled the call (from its handle-time record, when it was queued)."""
    from .recordings.finalize import finalize
    from .recordings.store import attach_queue_and_agent
    uid = record.unique_id
    try:
        row = await finalize(engine, settings.recordings.directory, uid, record.caller_id, "", "",
                             record.consent_at or record.started_at, timeout, fmt=settings.recordings.format)
        call_metrics.recording(row is not None)
        if row is None or not any(st.action == StepKind.QUEUE_ENTER for st in record.steps):
            return
        for _ in range(20):  # the handle-time record lands as the AMI Hangup is folded
            if await asyncio.to_thread(attach_queue_and_agent, engine, uid):
                return
            await asyncio.sleep(0.5)
    except Exception:  # a recording that cannot be stored must not take the controller down
        call_metrics.recording(False)
        log.exception("storing the recording failed", extra={"uid": uid})


async def _safe_variable(channel: FastAGIChannel, name: str) -> str:
    try:
        return await channel.get_variable(name) or ""
    except ChannelHungUp:
        raise
    except IVRError:
        return ""
