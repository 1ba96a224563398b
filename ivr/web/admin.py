"""Admin only: the retention purge, shown first, done on a confirmed POST."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from ..recordings.store import WAVEFORMS, PurgePlan, execute_purge, purge_plan
from .auth import SessionData
from .context import admin_session, check_csrf, console, page

router = APIRouter()


@router.get("/purge")
def purge_form(request: Request, session: SessionData = Depends(admin_session)):
    con = console(request)
    return page("purge.html", session, days=con.retention_days, plan=purge_plan(con.engine, con.retention_days),
                done=None)


@router.post("/purge")
def purge(request: Request, csrf: str = Form(""), session: SessionData = Depends(admin_session)):
    check_csrf(session, csrf)
    con = console(request)
    plan = purge_plan(con.engine, con.retention_days)
    done = execute_purge(con.engine, con.recordings_dir, plan, session.user, yes=True,
                         derived_dirs=(con.state_dir / WAVEFORMS,))
    # What the plan listed is gone: nothing is left to show as due.
    return page("purge.html", session, days=con.retention_days, plan=PurgePlan(plan.cutoff, ()), done=done)
