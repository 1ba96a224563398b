"""`GET /health` of `ivr serve`, for the supervisor and load balancers.

200 when the controller can take calls: FastAGI is listening (not draining)
and records have somewhere to go (the database answers, or the spool
directory can be written: records wait there and land later). 503 otherwise.
AMI down does not stop calls (queue figures are replayed from queue_log
after the reconnect): it shows as `"ami": false` and status `degraded`.
"""

from __future__ import annotations

import asyncio
import os

DB_TIMEOUT_S = 2.0


async def health(controller) -> tuple[int, dict]:
    from .store import ping
    serving = getattr(controller.server, "_server", None) is not None
    try:
        await asyncio.wait_for(asyncio.to_thread(ping, controller.engine), DB_TIMEOUT_S)
        database, db_error = True, ""
    except Exception as exc:   # noqa: BLE001 - any failure is "not reachable"
        database, db_error = False, (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    spool_dir = controller.spool_dir
    spooling = spool_dir.is_dir() and os.access(spool_dir, os.W_OK)
    # Every Asterisk's AMI link (`ami:` may list several): one down is `degraded`.
    links = {c.name or c.asterisk: bool(c.live.connected) for c in getattr(controller, "consumers", [])}
    ami = bool(links) and all(links.values())
    ok = serving and (database or spooling)
    doc = {"status": ("ok" if database and ami else "degraded") if ok else "unavailable",
           "serving": serving, "calls_in_progress": len(controller.server.sessions),
           "ami": ami, "database": database, "spool_writable": spooling, "spool_depth": controller.spool_depth,
           "config_version": controller.current.menu.version, "owner": controller.owner}
    if len(links) > 1:
        doc["asterisks"] = links
    if db_error:
        doc["database_error"] = db_error
    return (200 if ok else 503), doc


async def start_endpoint(controller):
    """Watch the controller's objects for the metrics and serve /metrics and /health on
    controller.metrics_port (0: none). A port in use is a warning, never a reason not to
    take calls. Returns the running MetricsServer, or None."""
    import logging
    from . import metrics
    metrics.watch_server(controller.server)
    metrics.watch_writers({"call_log": controller.calllog, "handle_times": controller.queues.writer,
                           "callback_requests": controller.callbacks})
    metrics.watch_live(controller.queues.live)
    ctl = controller.current.settings.controller
    if not ctl.metrics_port:
        return None
    endpoint = metrics.MetricsServer(ctl.metrics_host, ctl.metrics_port, lambda: health(controller))
    try:
        await endpoint.start()
    except OSError as exc:
        logging.getLogger("ivr.metrics").warning("no /metrics and /health on %s:%d: %s", ctl.metrics_host,
                                                 ctl.metrics_port, exc.strerror or exc)
        return None
    logging.getLogger("ivr.metrics").info("/metrics and /health on http://%s:%d", ctl.metrics_host, endpoint.port)
    return endpoint
