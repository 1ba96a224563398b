"""The console behind a TLS proxy (README, Production): `ivr web --forwarded-allow-ips`
believes that proxy's X-Forwarded-Proto, so the log-in and session cookies are `Secure`
when the browser reached the console over HTTPS, and only then."""

from __future__ import annotations

import httpx

from web_support import PASSWORD, csrf_of

CONSOLE_ARGS = ["--forwarded-allow-ips", "127.0.0.1"]   # the proxy runs on this host
HTTPS = {"X-Forwarded-Proto": "https"}


def _log_in(console, headers: dict) -> tuple[str, str]:
    """(the log-in form's Set-Cookie, the session's Set-Cookie) for ann. The proxy speaks
    plain HTTP to the console, so the cookie goes back by hand, as the browser sends it
    over HTTPS to the proxy (httpx would keep a Secure cookie from an http:// URL)."""
    with httpx.Client(base_url=console.url, follow_redirects=False, headers=headers) as client:
        form = client.get("/login")
        form_cookie = form.headers["set-cookie"]
        client.cookies.clear()
        done = client.post("/login", data={"username": "ann", "password": PASSWORD["ann"],
                                           "csrf": csrf_of(form.text), "next": "/recordings"},
                           headers={"Cookie": form_cookie.split(";")[0]})
        assert done.status_code == 303, done.text
        session = [c for c in done.headers.get_list("set-cookie") if c.startswith("ivr_session=")]
        return form_cookie, session[0]


def test_cookies_are_secure_over_https_through_the_proxy(console):
    form, session = _log_in(console, HTTPS)
    for cookie in (form, session):
        flags = [f.strip().lower() for f in cookie.split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=strict" in flags, cookie


def test_cookies_are_not_secure_over_plain_http(console):
    form, session = _log_in(console, {})
    for cookie in (form, session):
        assert "secure" not in [f.strip().lower() for f in cookie.split(";")], cookie
