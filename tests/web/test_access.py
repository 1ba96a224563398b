"""The console over plain HTTP: sessions, traversal, CSRF, roles, ranges, audit."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.store.models import AuditEntry, Recording
from web_support import PASSWORD, csrf_of


def _audit(console, action: str) -> list[AuditEntry]:
    with Session(console.engine) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _raw_get(console, raw_path: str, cookie: str = "") -> tuple[int, bytes]:
    """Send the path exactly as written: httpx would normalise `..` away before sending."""
    parts = urlsplit(console.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("GET", raw_path, skip_accept_encoding=True)
    if cookie:
        conn.putheader("Cookie", cookie)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


@pytest.mark.parametrize("path", ["/recordings", "/dashboard", "/audit", "/purge", "/calls/x", "/recordings/1"])
def test_pages_without_session_redirect_to_login(console, path):
    r = httpx.get(console.url + path)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/media/{id}", "/media/{id}/download", "/media/{id}/waveform.png"])
def test_media_without_session_is_401(console, path):
    assert httpx.get(console.url + path.format(id=console.rec_id)).status_code == 401


def test_forged_or_tampered_session_is_refused(console, as_ops):
    cookie = as_ops.cookies["ivr_session"]
    body, mac = cookie.rsplit(".", 1)
    for bad in (f"{body}.{'A' * len(mac)}", "eyJ1c2VyIjoiYW5uIiwicm9sZSI6ImFkbWluIn0.x", "garbage"):
        assert httpx.get(f"{console.url}/media/{console.rec_id}", cookies={"ivr_session": bad}).status_code == 401


def test_wrong_password(console):
    with httpx.Client(base_url=console.url) as c:
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "ann", "password": "nope-nope", "csrf": token})
        assert r.status_code == 401 and "wrong user name or password" in r.text
        assert "ivr_session" not in c.cookies


def test_login_without_csrf_is_403(console):
    r = httpx.post(console.url + "/login", data={"username": "ann", "password": PASSWORD["ann"]})
    assert r.status_code == 403 and "ivr_session" not in r.cookies


def test_session_cookie_flags(console):
    with httpx.Client(base_url=console.url) as c:
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "otto", "password": PASSWORD["otto"], "csrf": token})
        cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("ivr_session=")][0]
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()


TRAVERSALS = [
    "/media/../../../../etc/passwd",
    "/media/..%2f..%2f..%2fetc%2fpasswd",
    "/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/media/%2Fetc%2Fpasswd",
    "/media//etc/passwd",
    "/media/1/../../../etc/passwd",
    "/media/..",
    "/media/1%00",
    "/media/-1",
    "/media/1.wav",
    "/recordings/..%2f..%2fetc%2fpasswd",
    "/calls/..%2f..%2fetc%2fpasswd",
]


@pytest.mark.parametrize("raw", TRAVERSALS)
def test_traversal_is_refused(console, as_admin, raw):
    status, body = _raw_get(console, raw, cookie=f"ivr_session={as_admin.cookies['ivr_session']}")
    assert status in (400, 404), (raw, status)
    assert b"root:" not in body and b"RIFF" not in body


def test_range_requests(console, as_ops):
    size = (console.recordings / f"{console.unique_id}.wav").stat().st_size
    r = as_ops.get(f"/media/{console.rec_id}", headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.headers["content-range"] == f"bytes 0-99/{size}"
    assert r.content[:4] == b"RIFF" and len(r.content) == 100
    r = as_ops.get(f"/media/{console.rec_id}", headers={"Range": f"bytes={size - 10}-"})
    assert r.status_code == 206 and r.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert len(r.content) == 10
    assert as_ops.get(f"/media/{console.rec_id}", headers={"Range": f"bytes={size + 5}-"}).status_code == 416
    whole = as_ops.get(f"/media/{console.rec_id}")
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes" and len(whole.content) == size


def _new_user(console, name: str, replace: bool = False) -> httpx.Client:
    """A user made by `ivr web user add` (--replace: a new password), logged in."""
    from support import ivr_cli
    added = ivr_cli("web", "user", "add", name, "--role", "ops", *(["--replace"] if replace else []),
                    config=console.config,
                    env={"IVR_WEB_PASSWORD": f"{name}-secret-1"})
    assert added.returncode == 0, added.stderr
    client = httpx.Client(base_url=console.url)
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"username": name, "password": f"{name}-secret-1", "csrf": token,
                                       "next": "/recordings"}).status_code == 303
    return client


@pytest.mark.parametrize("first_range", ["bytes=0-", "bytes=-48044", "bytes=1-", "bytes=1-10,0-", None])
def test_every_way_of_fetching_a_recording_is_audited_once_per_replay(console, first_range):
    # A fresh user each time: whatever range comes first, the replay leaves one row,
    # and the seeks that follow in the same replay leave none.
    name = "p" + str(abs(hash(first_range)))[:8]
    client = _new_user(console, name)
    headers = {"Range": first_range} if first_range else {}
    assert client.get(f"/media/{console.rec_id}", headers=headers).status_code in (200, 206)
    client.get(f"/media/{console.rec_id}", headers={"Range": "bytes=5000-"})   # a seek: same replay
    plays = [a for a in _audit(console, "play") if a.actor == name]
    assert len(plays) == 1 and plays[0].unique_id == console.unique_id
    client.close()


def test_download_is_audited(console, as_ops):
    r = as_ops.get(f"/media/{console.rec_id}/download")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert _audit(console, "download")[-1].actor == "otto"


def test_post_without_csrf_is_403(console, as_admin):
    for path in (f"/recordings/{console.rec_id}/export", "/purge", "/logout"):
        assert as_admin.post(path, data={"fmt": "wav"}).status_code == 403, path
        assert as_admin.post(path, data={"fmt": "wav", "csrf": "forged"}).status_code == 403, path
    assert console.old_path.exists()
    assert as_admin.get("/recordings").status_code == 200   # still logged in


def test_post_without_session_is_401(console):
    assert httpx.post(f"{console.url}/recordings/{console.rec_id}/export", data={"fmt": "wav"}).status_code == 401
    assert httpx.post(f"{console.url}/purge").status_code == 401


def test_export_over_http_is_audited(console, as_ops):
    token = csrf_of(as_ops.get(f"/recordings/{console.rec_id}").text)
    r = as_ops.post(f"/recordings/{console.rec_id}/export", data={"fmt": "ogg", "csrf": token})
    assert r.status_code == 200 and r.content[:4] == b"OggS"
    assert r.headers["content-type"] == "audio/ogg"
    assert "as ogg" in _audit(console, "export")[-1].detail


def test_call_detail_and_dashboard(console, as_ops):
    page = as_ops.get(f"/calls/{console.unique_id}").text
    assert "main › consent › operator" in page
    assert "yes" in page and "PJSIP/alice" in page and "7.5 s" in page
    assert f'href="/recordings/{console.rec_id}"' in page   # the call's recording, from recordings.store.of_call
    dash = as_ops.get("/dashboard?by=agent").text
    assert "PJSIP/alice" in dash
    chart = as_ops.get("/dashboard/chart.png?by=agent", timeout=60)   # the first imports matplotlib: 5 s under load
    assert chart.status_code == 200 and chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    wave = as_ops.get(f"/media/{console.rec_id}/waveform.png")
    assert wave.status_code == 200 and wave.content[:4] == b"\x89PNG"


def test_search_filters(console, as_ops):
    assert console.unique_id in as_ops.get("/recordings", params={"caller": "600100"}).text
    assert console.unique_id not in as_ops.get("/recordings", params={"queue": "sales"}).text
    assert console.unique_id not in as_ops.get("/recordings", params={"min_duration": "30"}).text
    bad = as_ops.get("/recordings", params={"since": "yesterday"})
    assert bad.status_code == 400 and "not an ISO date" in bad.text
    assert "not a number of seconds" in as_ops.get("/recordings", params={"min_duration": "abc"}).text


def test_only_admins_purge(console, as_ops, as_admin):
    # One test, in this order: ops are refused and nothing goes; then an admin purges.
    page = as_ops.get("/recordings").text
    assert 'href="/purge"' not in page
    assert as_ops.get("/purge").status_code == 403
    assert as_ops.post("/purge", data={"csrf": csrf_of(page)}).status_code == 403
    assert console.old_path.exists()
    assert _audit(console, "delete") == []

    assert as_admin.get(f"/media/{console.old_id}/waveform.png").status_code == 200
    with Session(console.engine) as s:
        old_sha = s.get(Recording, console.old_id).sha256
    pictures = console.config.parent / "var/web/waveforms"
    assert list(pictures.glob(f"{old_sha}.*"))
    page = as_admin.get("/purge").text
    assert "1740000000.7" in page and console.unique_id not in page
    r = as_admin.post("/purge", data={"csrf": csrf_of(page)})
    assert r.status_code == 200 and "Deleted 1 recording(s)" in r.text
    assert not console.old_path.exists()
    deletes = _audit(console, "delete")
    assert [(d.actor, d.unique_id) for d in deletes] == [("ann", "1740000000.7")]
    with Session(console.engine) as s:
        assert s.get(Recording, console.old_id).deleted_at is not None
    assert as_admin.get(f"/media/{console.old_id}").status_code == 410
    assert not list(pictures.glob(f"{old_sha}.*"))     # nothing made from it is left either


def test_logout_ends_every_copy_of_the_session(console):
    client = _new_user(console, "lotte")
    stolen = client.cookies.get("ivr_session")
    token = csrf_of(client.get("/recordings").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    thief = httpx.Client(base_url=console.url, cookies={"ivr_session": stolen})
    assert thief.get("/recordings", follow_redirects=False).status_code == 303     # to /login
    assert thief.get(f"/media/{console.rec_id}").status_code == 401


def test_new_password_or_role_ends_old_sessions(console):
    client = _new_user(console, "rolf")
    assert client.get("/recordings").status_code == 200
    _new_user(console, "rolf", replace=True).close()
    assert client.get("/recordings", follow_redirects=False).status_code == 303


def test_odd_csrf_token_is_refused_not_a_crash(console, as_ops):
    assert as_ops.post("/logout", data={"csrf": "é"}).status_code == 403


def test_console_refuses_a_short_session_secret(tmp_path):
    from support import ivr_cli
    state = tmp_path / "var"
    state.mkdir()
    (state / "web-secret").write_text("\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"state_dir: {state}\n")
    res = ivr_cli("web", "--port", "1", config=config, env={"IVR_WEB_SECRET": ""}, timeout=60)
    assert res.returncode == 1
    assert f"{state / 'web-secret'}: the session secret has 0 bytes, at least 32 are needed" in res.stderr


def test_repeated_wrong_passwords_are_slowed_down(console):
    client = httpx.Client(base_url=console.url)
    codes = []
    for _ in range(6):
        token = csrf_of(client.get("/login").text)
        codes.append(client.post("/login", data={"username": "mallory", "password": "guess-123",
                                                 "csrf": token}).status_code)
    assert codes == [401] * 5 + [429]
    token = csrf_of(client.get("/login").text)
    blocked = client.post("/login", data={"username": "mallory", "password": "guess-123", "csrf": token})
    assert blocked.status_code == 429 and "too many failed log-ins for &#39;mallory&#39;" in blocked.text


def test_a_forged_forwarded_proto_is_not_believed_without_a_trusted_proxy(console):
    """Without --forwarded-allow-ips nobody's X-Forwarded-Proto counts: the cookie says
    what the connection was (plain HTTP here), whatever a client claims."""
    res = httpx.get(f"{console.url}/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in [f.strip().lower() for f in res.headers["set-cookie"].split(";")]
