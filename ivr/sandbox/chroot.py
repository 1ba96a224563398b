"""Build, configure, start and stop the Asterisk 22 chroot (`ivr sandbox`).

A second Asterisk (`second()`, `ivr sandbox up --second`) runs from the same chroot
with its own configuration directory (/etc/asterisk-b: `asterisk -C`), run, log,
spool and astdb directories, its own systemname (`sandbox-b`, the first is
`sandbox`), AMI port 5039 and SIP port 5062: two Asterisks serving one hotline.

The chroot is built once by mmdebstrap and cached outside the checkout
(default /var/cache/ivr/asterisk-sid, or $IVR_SANDBOX_DIR). prompts/ and the
recordings directory are bind-mounted at the same absolute paths inside, so
a path the controller hands Asterisk means the same file on both sides.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import SandboxError

PACKAGES = "asterisk,asterisk-modules,asterisk-core-sounds-en-gsm,python3"
DEFAULT_ROOT = Path(os.environ.get("IVR_SANDBOX_DIR", "/var/cache/ivr/asterisk-sid"))
AMI_USER = "ivr"
TCP_PORTS = {5038: "AMI"}
UDP_PORTS = {5060: "SIP"}


@dataclass(frozen=True)
class Sandbox:
    """Where everything lives: the chroot, the project's files, the state dir."""

    root: Path
    project: Path          # the checkout: asterisk-conf/, dialplans/, prompts/
    state: Path            # var/sandbox: pid, log, secrets
    shared_dirs: tuple[Path, ...]  # bind-mounted at the same path inside
    instance: str = ""     # "": the sandbox's Asterisk; "b": the second one (second())
    ami_port: int = 5038
    sip_port: int = 5060

    @property
    def systemname(self) -> str:
        """asterisk.conf's systemname: the calls' and queue records' `asterisk`, and the
        prefix of this Asterisk's unique ids."""
        return f"sandbox-{self.instance}" if self.instance else "sandbox"

    @property
    def etc_dir(self) -> str:
        """Its configuration directory inside the chroot."""
        return f"/etc/asterisk-{self.instance}" if self.instance else "/etc/asterisk"

    def _dir(self, path: str) -> str:
        return f"{path}-{self.instance}" if self.instance else path

    @property
    def run_dir(self) -> Path:
        """Its state directory outside (pid, log); the second's is inside the first's."""
        return self.state / self.instance if self.instance else self.state

    @property
    def queue_log(self) -> Path:
        """Its queue_log, as seen from outside the chroot."""
        return self.root / self._dir("var/log/asterisk").lstrip("/") / "queue_log"

    def second(self) -> "Sandbox":
        """The second Asterisk of this chroot (`sandbox-b`, AMI 5039, SIP 5062)."""
        return replace(self, instance="b", ami_port=5039, sip_port=5062)

    def _asterisk_cmd(self, *args: str) -> list[str]:
        conf = ["-C", f"{self.etc_dir}/asterisk.conf"] if self.instance else []
        return ["chroot", str(self.root), "/usr/sbin/asterisk", *conf, *args]

    @property
    def asterisk(self) -> Path:
        return self.root / "usr/sbin/asterisk"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "asterisk.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "asterisk.log"

    @classmethod
    def for_project(cls, project: Path, state: Path, extra_dirs=(), root: Path | None = None) -> "Sandbox":
        """The project's checkout is shared whole (the classic AGI script runs
        from it); directories outside it are shared too."""
        project = project.resolve()
        shared = [project]
        for d in extra_dirs:
            d = Path(d).resolve()
            d.mkdir(parents=True, exist_ok=True)
            if project not in d.parents and d != project and d not in shared:
                shared.append(d)
        return cls(root or DEFAULT_ROOT, project, state, tuple(shared))

    # -- secrets ---------------------------------------------------------

    def secret(self, env: str, name: str) -> str:
        """A secret from $env, else one generated once and kept under var/ (0600)."""
        if os.environ.get(env):
            return os.environ[env]
        path = self.state / name
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(18)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        return value

    def ami_secret(self) -> str:
        return self.secret("IVR_AMI_SECRET", "ami-secret")

    def sip_password(self) -> str:
        return self.secret("IVR_SIP_PASSWORD", "sip-password")

    def agi_token(self) -> str:
        """The controller's FastAGI secret, passed by the dialplan as the AGI's first argument."""
        return self.secret("IVR_AGI_SECRET", "agi-secret")

    # -- build -------------------------------------------------------------

    def built(self) -> bool:
        # python3 runs the classic (stdin) AGI script; older caches lack it.
        return self.asterisk.exists() and (self.root / "usr/bin/python3").exists()

    def build(self, out=sys.stderr) -> None:
        """Build the chroot with mmdebstrap unless it is cached."""
        if self.built():
            return
        _require_root()
        if self.asterisk.exists():
            self._add_python(out)
            return
        if shutil.which("mmdebstrap") is None:
            raise SandboxError("mmdebstrap is missing: apt-get install mmdebstrap (make run/test do this)")
        partial = self.root.with_name(self.root.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        cmd = ["mmdebstrap", "--variant=apt", "--aptopt=Acquire::Check-Valid-Until \"false\"",
               f"--include={PACKAGES}", "sid", str(partial)]
        log = self.state / "mmdebstrap.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(log, "wb") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
            while proc.poll() is None:
                out.write(f"\rbuilding the Asterisk 22 chroot in {partial} ... {time.monotonic() - started:4.0f} s")
                out.flush()
                time.sleep(1)
        out.write("\n")
        if proc.returncode != 0:
            text = log.read_text(errors="replace")
            shutil.rmtree(partial, ignore_errors=True)
            if any(s in text for s in ("Temporary failure resolving", "Could not resolve", "Failed to fetch",
                                       "Unable to connect", "Connection failed")):
                raise SandboxError(f"cannot reach Debian's package registry to build the chroot (see {log})")
            raise SandboxError(f"mmdebstrap failed with status {proc.returncode}; last lines:\n"
                               + "\n".join(text.splitlines()[-8:]))
        partial.rename(self.root)

    def _add_python(self, out) -> None:
        out.write(f"adding python3 to the cached chroot {self.root} ...\n")
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", "python3"]):
            res = subprocess.run(["chroot", str(self.root), *cmd], capture_output=True, text=True)
            if res.returncode != 0:
                raise SandboxError(f"cannot install python3 in the chroot: {res.stdout[-400:]}{res.stderr[-400:]}")

    # -- configure -----------------------------------------------------------

    def install_config(self) -> None:
        """Replace the chroot's /etc/asterisk (the second's /etc/asterisk-b) with asterisk-conf/
        and dialplans/, with this Asterisk's own directories, systemname and ports."""
        etc = self.root / self.etc_dir.lstrip("/")
        dist = self.root / "etc/asterisk.dist"
        if etc.exists() and not dist.exists() and not self.instance:
            etc.rename(dist)  # keep Debian's samples for reference
        shutil.rmtree(etc, ignore_errors=True)
        etc.mkdir(parents=True)
        values = {"@AMI_USER@": AMI_USER, "@AMI_SECRET@": self.ami_secret(),
                  "@SIP_PASSWORD@": self.sip_password(), "@AGI_TOKEN@": self.agi_token()}
        for src in sorted((self.project / "asterisk-conf").glob("*.conf")):
            text = src.read_text()
            for key, value in values.items():
                text = text.replace(key, value)
            (etc / src.name).write_text(self._own(src.name, text))
        dialplans = etc / "ivr-dialplans"
        dialplans.mkdir()
        for src in sorted((self.project / "dialplans").glob("*.conf")):
            text = src.read_text()
            for key, value in values.items():
                text = text.replace(key, value)
            (dialplans / src.name).write_text(text)
        self._install_agi_script()
        for sub in ("run/asterisk", "var/log/asterisk", "var/spool/asterisk", "var/lib/asterisk"):
            (self.root / self._dir(sub)).mkdir(parents=True, exist_ok=True)

    # What differs between the two Asterisks of the chroot, per file of asterisk-conf/.
    _OWN_DIRS = ("astetcdir", "astrundir", "astlogdir", "astspooldir", "astdbdir")

    def _own(self, name: str, text: str) -> str:
        """This Asterisk's version of one asterisk-conf/ file: its systemname in asterisk.conf
        (both), and for the second its directories and ports."""
        if name == "asterisk.conf":
            text = text.replace("[options]\n", f"[options]\nsystemname = {self.systemname}\n", 1)
        if not self.instance:
            return text
        if name == "asterisk.conf":
            # "(!)" makes [directories] a template, which Asterisk reads as no directories at all
            # (the compiled-in defaults, the first Asterisk's): the second needs them real.
            text = text.replace("[directories](!)", "[directories]")
            lines = []
            for line in text.splitlines():
                key = line.split("=>")[0].strip()
                if key in self._OWN_DIRS:
                    # /var/run is an absolute link to /run: named through it, a directory made
                    # from outside the chroot would land on the host's /run.
                    value = line.split("=>")[1].strip().replace("/var/run/", "/run/")
                    line = f"{key} => {self._dir(value)}"
                lines.append(line)
            text = "\n".join(lines) + "\n"
        elif name == "manager.conf":
            text = text.replace("port = 5038", f"port = {self.ami_port}")
        elif name == "pjsip.conf":
            text = text.replace("127.0.0.1:5060", f"127.0.0.1:{self.sip_port}")
        return text

    def _install_agi_script(self) -> None:
        """agi-bin/ivr-agi.sh: classic AGI running the controller from the shared checkout."""
        site = sysconfig.get_paths()["purelib"]
        script = self.root / "usr/share/asterisk/agi-bin/ivr-agi.sh"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(
            "#!/bin/sh\n"
            "# Installed by `ivr sandbox up`. Usage: AGI(ivr-agi.sh[,CONFIG])\n"
            "exec /usr/bin/python3 -c 'import sys; sys.path[:0] = sys.argv[1:3]; from ivr.cli import main; "
            "sys.exit(main([\"--config\", sys.argv[3], \"agi\"]))' "
            f"'{self.project}' '{site}' \"${{1:-{self.project}/config.yaml}}\"\n")
        script.chmod(0o755)

    # -- mounts --------------------------------------------------------------

    def _mounts(self) -> list[tuple[str, Path]]:
        return [("proc", self.root / "proc")] + [(str(d), self.root / str(d).lstrip("/")) for d in self.shared_dirs]

    def mount(self) -> None:
        for source, target in self._mounts():
            if _is_mounted(target):
                continue
            target.mkdir(parents=True, exist_ok=True)
            if source == "proc":
                cmd = ["mount", "-t", "proc", "proc", str(target)]
            else:
                Path(source).mkdir(parents=True, exist_ok=True)
                cmd = ["mount", "--bind", source, str(target)]
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                raise SandboxError(f"cannot mount {source} on {target}: {res.stderr.strip()}")

    def unmount(self) -> None:
        for _, target in reversed(self._mounts()):
            if _is_mounted(target):
                res = subprocess.run(["umount", str(target)], capture_output=True, text=True)
                if res.returncode != 0:
                    subprocess.run(["umount", "-l", str(target)], capture_output=True)

    # -- run -----------------------------------------------------------------

    def rx(self, command: str, timeout: float = 10) -> subprocess.CompletedProcess:
        """Run an Asterisk CLI command through the control socket."""
        return subprocess.run(self._asterisk_cmd("-rx", command), capture_output=True, text=True, timeout=timeout)

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def is_up(self) -> bool:
        if self.pid() is None:
            return False
        try:
            return self.rx("core show version", timeout=5).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def version(self) -> str:
        res = self.rx("core show version", timeout=5)
        return res.stdout.strip().split(" built ")[0] if res.returncode == 0 else ""

    def up(self, out=sys.stderr, boot_timeout: float = 60) -> None:
        """Build if needed, install the config, mount, start, wait for FullyBooted."""
        _require_root()
        if self.is_up():
            self.install_config()
            self.rx("core reload")
            return
        self.build(out)
        _check_ports_free({self.ami_port: "AMI"}, {self.sip_port: "SIP"})
        self.install_config()
        self.mount()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab")
        proc = subprocess.Popen(self._asterisk_cmd("-f", "-n", "-q"),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + boot_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.unmount()
                raise SandboxError(f"Asterisk exited with status {proc.returncode} while starting; "
                                   f"last lines of {self.log_file}:\n{_tail(self.log_file)}")
            try:
                res = self.rx("core waitfullybooted", timeout=max(1.0, deadline - time.monotonic()))
                if res.returncode == 0:
                    return
            except subprocess.TimeoutExpired:
                break
            time.sleep(0.2)
        self.down()
        raise SandboxError(f"Asterisk did not finish booting in {boot_timeout:g} s; see {self.log_file}")

    def down(self, timeout: float = 20) -> None:
        """Stop Asterisk (gracefully, then by signal) and unmount."""
        pid = self.pid()
        if pid is not None:
            try:
                self.rx("core stop now", timeout=5)
            except subprocess.TimeoutExpired:
                pass
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
                while _alive(pid):
                    time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        # The two Asterisks share the chroot's mounts: the last one down unmounts.
        other = replace(self, instance="") if self.instance else self.second()
        if other.pid() is None:
            self.unmount()


def _alive(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _require_root() -> None:
    if os.geteuid() != 0:
        raise SandboxError("the sandbox needs root (chroot, mount, mmdebstrap): run as root or with sudo")


def _is_mounted(target: Path) -> bool:
    real = os.path.realpath(target)
    with open("/proc/self/mounts") as fh:
        return any(line.split()[1] == real for line in fh)


def _check_ports_free(tcp: dict[int, str] = TCP_PORTS, udp: dict[int, str] = UDP_PORTS) -> None:
    for port, what in tcp.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise SandboxError(f"port {port} ({what}) on 127.0.0.1 is already taken by another process") from None
    for port, what in udp.items():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise SandboxError(f"UDP port {port} ({what}) on 127.0.0.1 is already taken by another process") from None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
