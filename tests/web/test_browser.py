"""The console in Debian's headless Chromium (Playwright drives it; nothing
downloads a browser): log in, find the call, play and seek, export, audit."""

from __future__ import annotations

import os

import pytest
from pydub import AudioSegment

from web_support import CALLER, PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # play() from the test is no user gesture; a muted playback still runs the media pipeline
        "--autoplay-policy=no-user-gesture-required", "--mute-audio"]


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_find_play_seek_export_audit(console, browser, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)

    page.goto(f"{console.url}/recordings")
    assert "/login" in page.url
    page.fill("input[name=username]", "otto")
    page.fill("input[name=password]", PASSWORD["otto"])
    page.click("#login")
    page.wait_for_url(f"{console.url}/recordings")

    page.fill("input[name=caller]", CALLER[-6:])
    page.click("#search")
    row = page.locator(f"tr[data-unique-id='{console.unique_id}']")
    row.wait_for()
    row.locator("text=details").click()
    page.wait_for_url(f"{console.url}/recordings/{console.rec_id}")
    page.wait_for_function("document.querySelector('img.wave').complete "
                           "&& document.querySelector('img.wave').naturalWidth > 0")

    state = page.evaluate("""async () => {
        const a = document.getElementById('player');
        const playing = new Promise(r => a.addEventListener('playing', r, {once: true}));
        await a.play();
        await playing;
        const seeked = new Promise(r => a.addEventListener('seeked', r, {once: true}));
        a.currentTime = 15;
        await seeked;
        return {paused: a.paused, time: a.currentTime, duration: a.duration,
                seekable: a.seekable.length ? a.seekable.end(0) : 0, error: a.error && a.error.code};
    }""")
    assert state["error"] is None
    assert abs(state["duration"] - 20) < 0.2
    assert state["seekable"] > 19, "the player cannot seek: no Range support?"
    assert state["time"] >= 14.5, f"seek did not happen: {state}"

    page.select_option("select[name=fmt]", "mp3")
    with page.expect_download() as dl:
        page.click("#export-button")
    out = tmp_path / dl.value.suggested_filename
    dl.value.save_as(out)
    assert out.name == f"recording-{console.rec_id}.mp3"
    assert abs(len(AudioSegment.from_file(out, format="mp3")) / 1000 - 20) < 0.3

    page.goto(f"{console.url}/audit?call={console.unique_id}")
    actions = page.locator("#audit td.action").all_inner_texts()
    assert "play" in actions and "export" in actions
    assert page.locator("#audit tr", has_text="otto").count() >= 2
    context.close()

    # The same trace from the command line.
    from support import ivr_cli
    done = ivr_cli("recordings", "audit", console.unique_id, config=console.config)
    assert done.returncode == 0 and "otto" in done.stdout and "export" in done.stdout and "play" in done.stdout
