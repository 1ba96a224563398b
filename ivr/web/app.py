"""The FastAPI application: login/logout, error pages, the routers."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import Settings
from ..errors import ConfigError, LoginRequired, RecordingDeleted, RecordingError
from ..store.db import open_engine
from .auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_S, SessionData, Signer, load_secret, new_session, \
    tokens_match
from .context import Console, check_csrf, page, page_session
from .throttle import LoginThrottle
from .users import authenticate, end_sessions

COOKIE = {"httponly": True, "samesite": "strict"}
log = logging.getLogger("ivr.web")


def create_app(settings: Settings) -> FastAPI:
    from .live import build_feed, lifespan
    app = FastAPI(title="IVR console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.console = Console(
        engine=open_engine(settings.database_url), recordings_dir=settings.recordings.directory.resolve(),
        state_dir=settings.state_dir, signer=Signer(load_secret(settings.state_dir)),
        retention_days=settings.recordings.retention_days, service_level_s=settings.queues.service_level_s,
        hotlines=_hotlines(settings))
    app.state.live = build_feed(settings, app.state.console.engine)   # the wallboard's state (ivr/web/live.py)
    _errors(app)
    _headers(app)
    _login(app)
    from . import admin, live, media, pages
    app.include_router(pages.router)
    app.include_router(media.router)
    app.include_router(admin.router)
    app.include_router(live.router)
    return app


def _hotlines(settings: Settings) -> dict:
    """The config's hotlines (name, client, zone). A hotline file that cannot be built leaves
    the console without them (searches by typed name, the dashboard in UTC) rather than down:
    the console is where ops look when something is broken. `ivr validate` names the problem."""
    from ..reports._common import hotline_zones
    try:
        return hotline_zones(settings)
    except ConfigError as exc:
        log.warning("hotlines not read, the console's hotline choices are off: %s", exc)
        return {}


def _errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if exc.media or request.method != "GET":
            return PlainTextResponse("login required", status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/media/"):
            return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
        return page("error.html", None, exc.status_code, code=exc.status_code, message=exc.detail)

    @app.exception_handler(RecordingError)
    async def recording_error(request: Request, exc: RecordingError):
        status = 410 if isinstance(exc, RecordingDeleted) else 404
        if request.url.path.startswith("/media/"):
            return PlainTextResponse(str(exc), status_code=status)
        return page("error.html", None, status, code=status, message=str(exc))


def _headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")  # personal data: no shared caches
        return response


def _safe_next(target: str) -> str:
    # only a path on this site: "//evil.example" and "https://..." would leave it
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/recordings"


def _cookie(request: Request) -> dict:
    """The console's cookie flags; `Secure` when the page was served over HTTPS (directly, or
    through a TLS proxy that `ivr web --forwarded-allow-ips` trusts for X-Forwarded-Proto),
    so the session never travels in clear text afterwards."""
    return {**COOKIE, "secure": request.url.scheme == "https"}


def _login(app: FastAPI) -> None:
    throttle = LoginThrottle()
    @app.get("/")
    def home():
        return RedirectResponse("/recordings", status_code=303)

    @app.get("/login")
    def login_form(request: Request, next: str = "/recordings", error: str = ""):
        token = secrets.token_urlsafe(24)
        response = page("login.html", None, 401 if error else 200, csrf=token, next=_safe_next(next), error=error)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login", **_cookie(request))
        return response

    @app.post("/login")
    def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form(""),
              next: str = Form("/recordings")):
        if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
            return page("error.html", None, 403, code=403, message="missing or wrong CSRF token: reload the login page")
        client = request.client.host if request.client else ""
        wait = throttle.wait_s(username, client)
        if wait:
            return page("error.html", None, 429, code=429,
                        message=f"too many failed log-ins for {username!r}: try again in {int(wait // 60) + 1} min")
        user = authenticate(request.app.state.console.engine, username, password)
        if user is None:
            throttle.failed(username, client)
            token = secrets.token_urlsafe(24)
            response = page("login.html", None, 401, csrf=token, next=_safe_next(next),
                            error="wrong user name or password")
            response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login", **_cookie(request))
            return response
        throttle.succeeded(username, client)
        response = RedirectResponse(_safe_next(next), status_code=303)
        session = new_session(user.name, user.role)
        response.set_cookie(SESSION_COOKIE, request.app.state.console.signer.dump(session), max_age=SESSION_S,
                            path="/", **_cookie(request))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout")
    def logout(request: Request, session: SessionData = Depends(page_session), csrf: str = Form("")):
        check_csrf(session, csrf)
        end_sessions(request.app.state.console.engine, session.user)   # a copied cookie dies too
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
