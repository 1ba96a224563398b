"""The wheel works without the checkout (README, Production): built from a copy of the
source tree as `pip wheel` builds it, installed into a venv of its own, and run from a
directory outside the checkout with a config outside it. The files the engine ships
beside its code (the dialplan `ivr asterisk-config` writes from, the prompt catalog, the
sample config) come from the wheel's copies, and equal the checkout's.

The venv gets no dependencies from a registry: it sees the development venv's
site-packages through a .pth line (which adds the folder but runs none of its .pth
files, so the checkout's editable install does not leak in)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import wave
import zipfile
from pathlib import Path

import pytest

from support import ROOT

SHIPPED = {"dialplans": "*.conf", "asterisk-conf": "*.conf", "prompts": "catalog.yaml", ".": "config.yaml"}

CONFIG = """\
state_dir: {tmp}/var/lib/ivr
prompts_dir: prompts            # beside this file: {tmp}/etc/ivr/prompts
controller: {{host: 127.0.0.1, port: 4573, allow: [127.0.0.1]}}
ami: {{host: 127.0.0.1, port: 5038, username: ivr}}
queues: {{queues_conf: {tmp}/etc/asterisk/queues.conf}}
menu:
  entry: main
  languages: [en]
  nodes:
    main: {{type: play, prompt: [welcome], next: desk}}
    desk: {{type: queue, queue: support}}
hotlines:
  telecom:
    numbers: ["0800123456", "_0801XXXXXX"]
    client: example-telecom
    fallback_queue: support
"""


def _copy_source(dest: Path) -> Path:
    """What a clean clone holds of what the build reads (not .venv, var/, build/, tests ...);
    the symlinks of ivr/_shipped/ stay symlinks, into the copy's own top-level folders."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.wav", "*.placeholder")
    for name in ("ivr", "dialplans", "asterisk-conf", "prompts"):
        shutil.copytree(ROOT / name, dest / name, symlinks=True, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "config.yaml"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


def _can_build_without_isolation() -> bool:
    """setuptools builds wheels itself from 70.1 on; before, it needs the `wheel` package."""
    import importlib.metadata as md
    try:
        major, minor = (int(x) for x in md.version("setuptools").split(".")[:2])
    except (md.PackageNotFoundError, ValueError):
        return False
    if (major, minor) >= (70, 1):
        return True
    try:
        md.version("wheel")
        return True
    except md.PackageNotFoundError:
        return False


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's bin/ivr, the wheel) for a wheel built from a copy of this checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = _copy_source(tmp / "src")
    # Without isolation when this venv's setuptools can build wheels (no registry needed);
    # else pip fetches setuptools into an isolated build environment, as for a user.
    isolation = ["--no-build-isolation"] if _can_build_without_isolation() else []
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation,
                            "-w", str(tmp / "dist"), str(source)],
                           cwd=tmp, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp / "dist").glob("ivr-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "ivr-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                          cwd=tmp, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin" / "ivr", wheel


@pytest.fixture
def install(tmp_path):
    """A config at ETC/ivr/config.yaml, as /etc/ivr/config.yaml would be, with its prompts."""
    etc = tmp_path / "etc"
    (etc / "ivr" / "prompts" / "en").mkdir(parents=True)
    (etc / "asterisk").mkdir()
    (etc / "asterisk" / "queues.conf").write_text("[support]\nstrategy = rrmemory\n")
    with wave.open(str(etc / "ivr" / "prompts" / "en" / "welcome.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    config = etc / "ivr" / "config.yaml"
    config.write_text(CONFIG.format(tmp=tmp_path))
    return config


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IVR_CONFIG", "IVR_DATABASE_URL")}
    return {**env, "IVR_AMI_SECRET": "ami-secret-of-this-test", "IVR_AGI_SECRET": "agi-token-of-this-test"}


def _run(argv: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120)


def test_the_wheel_carries_the_shipped_files_as_the_checkout_has_them(installed):
    _, wheel = installed
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for folder, pattern in SHIPPED.items():
            files = sorted((ROOT / folder).glob(pattern))
            assert files, f"{folder}/{pattern}: nothing in the checkout"
            for path in files:
                inside = f"ivr/_shipped/{path.relative_to(ROOT).as_posix()}"
                assert inside in names, f"{inside} missing from {wheel.name}"
                assert z.read(inside) == path.read_bytes(), inside
        assert not [n for n in names if n.endswith(".wav")], "the wheel ships no recordings"
        for data in ("ivr/data/sample.yaml", "ivr/deploy/systemd/ivr-web.service.in",
                     "ivr/store/migrations/script.py.mako"):
            assert data in names


def test_the_installed_package_runs_without_the_checkout(installed, install, tmp_path):
    ivr, _ = installed
    where = subprocess.run([str(ivr.parent / "python"), "-c", "import ivr.cli; print(ivr.cli.__file__)"],
                           cwd=tmp_path, env=_env(), capture_output=True, text=True, check=True).stdout
    assert str(ivr.parents[1]) in where and str(ROOT) not in where, where


def test_asterisk_config_and_validate_from_the_installed_wheel(installed, install, tmp_path):
    ivr, _ = installed
    work = tmp_path / "elsewhere"        # neither the checkout nor the config's folder
    work.mkdir()
    checked = _run([ivr, "--config", install, "validate"], work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stderr.startswith(f"{install}: ok") and not checked.stdout, checked.stdout + checked.stderr

    out = tmp_path / "asterisk-config"
    wrote = _run([ivr, "--config", install, "asterisk-config", "--out", out], work)
    assert wrote.returncode == 0, wrote.stderr
    files = {p.name: p.read_text() for p in out.iterdir()}
    assert set(files) == {"ivr-inbound.conf", "ivr-globals.conf", "ivr-manager.conf", "ivr-queues.conf",
                          "README.txt"}
    assert "[ivr-inbound]" in files["ivr-inbound.conf"] and "[ivr-hotlines]" in files["ivr-inbound.conf"]
    assert "exten => 0800123456,1,Set(IVR_HOTLINE=telecom)" in files["ivr-inbound.conf"]
    assert "[ivr]\nsecret = ami-secret-of-this-test\n" in files["ivr-manager.conf"]
    assert "IVR_AGI_TOKEN = agi-token-of-this-test" in files["ivr-globals.conf"]

    # The checkout's own `ivr` (the development install) writes the same files.
    dev = tmp_path / "asterisk-config-dev"
    ours = _run([sys.executable, "-m", "ivr", "--config", install, "asterisk-config", "--out", dev], work)
    assert ours.returncode == 0, ours.stderr
    assert {p.name: p.read_text() for p in dev.iterdir()} == files


def test_systemd_units_from_the_installed_wheel(installed, install, tmp_path):
    ivr, _ = installed
    out = tmp_path / "units"
    done = _run([ivr, "--config", install, "systemd", "--out", out, "--forwarded-allow-ips", "127.0.0.1"],
                tmp_path)
    assert done.returncode == 0, done.stderr
    web = (out / "ivr-web.service").read_text()
    assert (f"\nExecStart={ivr} --config {install} web --host 127.0.0.1 --port 8080 "
            "--forwarded-allow-ips 127.0.0.1\n") in web
    assert f"\nReadWritePaths={tmp_path}/var/lib/ivr\n" in web


def test_an_empty_prompts_dir_takes_the_menu_prompts_texts_from_the_shipped_catalog(install):
    """`ivr prompts synth` on a new install: the menu's prompts get the shipped texts; the
    catalog's other prompts (the sample's) are not made."""
    from ivr.audio.command import synth_jobs
    from ivr.controller import load
    (install.parent / "prompts" / "en" / "welcome.wav").unlink()
    warnings: list[str] = []
    jobs = {j.target.name: j.text for j in synth_jobs(load(install), ["en"], warnings.append)
            if not j.target.parent.name == "say"}
    assert jobs == {"welcome.wav": "Welcome to the Example Telecom hotline."}, (jobs, warnings)
