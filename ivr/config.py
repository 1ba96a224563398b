"""config.yaml as typed settings. Structural checks with line numbers live in
ivr.menu.validate; this module turns an already valid file into dataclasses."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


@dataclass(frozen=True)
class ControllerSettings:
    host: str = "127.0.0.1"
    port: int = 4573
    header_timeout: float = 5.0
    max_header_bytes: int = 64 * 1024
    drain_timeout: float = 600.0
    allow: tuple[str, ...] = ()   # Asterisk addresses or networks that may connect; empty: any
    # Who owns the call rows this controller writes; two controllers on one database need two
    # ids. Empty: <hostname>:<port>. At start a controller closes its own calls left open.
    id: str = ""
    # A token the dialplan passes as the AGI's first argument (AGI(agi://host/ivr,TOKEN)); a
    # session without it is refused before anything is written. The secret itself lives in
    # secret_file (or $IVR_AGI_SECRET), never in config.yaml. Empty file name: no token asked.
    secret_file: str = ""
    # Prometheus /metrics and /health of `ivr serve`, on their own port; 0: none.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9573

    @property
    def owner(self) -> str:
        import socket
        return self.id or f"{socket.gethostname()}:{self.port}"

    def agi_token(self) -> str:
        """$IVR_AGI_SECRET, else the content of secret_file, else "" (no token asked)."""
        if os.environ.get("IVR_AGI_SECRET"):
            return os.environ["IVR_AGI_SECRET"]
        if not self.secret_file:
            return ""
        try:
            token = Path(self.secret_file).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"controller.secret_file: cannot read {self.secret_file}: {exc.strerror}") from None
        if len(token) < 16:
            raise ConfigError(f"controller.secret_file: {self.secret_file} holds a token of {len(token)} "
                              f"character(s); use at least 16 (e.g. openssl rand -hex 16)")
        return token

    def __post_init__(self) -> None:
        import ipaddress
        if isinstance(self.allow, str):
            object.__setattr__(self, "allow", (self.allow,))
        for item in self.allow:
            try:
                ipaddress.ip_network(str(item), strict=False)
            except ValueError:
                raise ValueError(f"controller.allow: {item!r} is not an address or network "
                                 "(e.g. 127.0.0.1 or 10.0.0.0/24)") from None
        object.__setattr__(self, "allow", tuple(str(a) for a in self.allow))


@dataclass(frozen=True)
class AMISettings:
    """One Asterisk's AMI link. `name` is the Asterisk's `systemname` (asterisk.conf); it is
    required when `ami:` lists several Asterisks, and `ivr doctor` checks that it matches.
    `queue_log`: that Asterisk's queue_log (replayed after a reconnect); None: the first
    Asterisk uses `queues.queue_log`, the others none."""

    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "ivr"
    secret_file: Path = Path("var/sandbox/ami-secret")
    name: str = ""
    queue_log: Path | None = None

    def __post_init__(self) -> None:
        if self.name and not NAME_RE.fullmatch(self.name):
            raise ValueError(f"ami: name {self.name!r} must be an Asterisk systemname: letters, digits, "
                             "'.', '_' or '-', at most 64")

    @property
    def secret_env(self) -> str:
        """The variable holding this Asterisk's secret: IVR_AMI_SECRET_<NAME> for a named one
        (upper case, other characters as '_'), else IVR_AMI_SECRET."""
        if not self.name:
            return "IVR_AMI_SECRET"
        return "IVR_AMI_SECRET_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())

    def secret(self) -> str:
        """$IVR_AMI_SECRET_<NAME> (a named Asterisk), else $IVR_AMI_SECRET, else `secret_file`
        (`ivr sandbox up` writes the sandbox's)."""
        for env in dict.fromkeys((self.secret_env, "IVR_AMI_SECRET")):
            if os.environ.get(env):
                return os.environ[env]
        try:
            return self.secret_file.read_text().strip()
        except OSError:
            raise ConfigError(f"no AMI secret: set {self.secret_env} or run `ivr sandbox up` "
                              f"(it writes {self.secret_file})") from None


NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class RecordingSettings:
    directory: Path = Path("var/recordings")
    format: str = "wav"
    retention_days: int = 90

    def __post_init__(self) -> None:
        # A wrong retention deletes personal data too early, or never: refuse it outright.
        days = self.retention_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"recordings.retention_days: {days!r} must be a whole number of days, at least 1")
        if self.format not in ("wav", "wav49", "gsm", "sln"):
            raise ValueError(f"recordings.format: {self.format!r} is not a MixMonitor format (wav, wav49, gsm, sln)")


CALLBACK_MODES = ("agent-first", "caller-first")


@dataclass(frozen=True)
class CallbackSettings:
    """How `ivr serve`'s dialer calls back the callers of one queue (config.yaml's
    `queues: callbacks: QUEUE:`). A queue not listed there is never dialled: its requests
    wait for `ivr callbacks done` by hand. Times in seconds."""
    mode: str = "agent-first"      # agent-first: ring a free agent, then the caller; caller-first: the
                                   # caller first, who presses confirm_digit and joins the queue on top
    dial: str = "Local/{number}@ivr-callback-out"   # the caller's dial string; {number}: their caller id
    max_attempts: int = 3          # attempts before the request is `failed`
    retry_gap_s: float = 300.0     # from the end of one attempt to the next
    ring_s: float = 30.0           # how long the caller's phone rings
    agent_wait_s: float = 120.0    # agent-first: how long the callback waits in the queue for an agent
    queue_wait_s: float = 300.0    # caller-first: how long the confirmed caller waits in the queue
    confirm_digit: str = "1"       # caller-first
    confirm_timeout_s: float = 5.0
    confirm_prompt: str = ""       # caller-first: a prompt name (prompts/<lang>/NAME) read before the digit
    priority: int = 10             # QUEUE_PRIO of the callback: above the callers' 0, so it goes first
    hours: str = ""                # an hours: entry; empty: the hours of the hotline the caller rang
    caller_id: str = ""            # the number shown to the caller; empty: Asterisk's default

    def __post_init__(self) -> None:
        if self.mode not in CALLBACK_MODES:
            raise ValueError(f"callback mode {self.mode!r}: use one of {', '.join(CALLBACK_MODES)}")
        if "{number}" not in self.dial:
            raise ValueError(f"callback dial {self.dial!r} must contain {{number}} (the caller's number)")
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"callback max_attempts: {self.max_attempts!r} must be a whole number, at least 1")
        for name in ("retry_gap_s", "ring_s", "agent_wait_s", "queue_wait_s", "confirm_timeout_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"callback {name}: {value!r} must be a number of seconds, at least 0")
        if self.ring_s < 1 or self.confirm_timeout_s < 1:
            raise ValueError("callback ring_s and confirm_timeout_s: at least 1 s")
        if not (isinstance(self.confirm_digit, str) and len(self.confirm_digit) == 1
                and self.confirm_digit in "0123456789*"):
            raise ValueError(f"callback confirm_digit: {self.confirm_digit!r} must be one quoted key 0-9 or * (# ends Read())")
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise ValueError(f"callback priority: {self.priority!r} must be a whole number")


def _callbacks(value: Any) -> dict[str, CallbackSettings]:
    """queues.callbacks: {QUEUE: {setting: value} or null (all defaults)}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("queues.callbacks: a mapping of queue names to their callback settings")
    out = {}
    for queue, spec in value.items():
        if spec is not None and not isinstance(spec, dict):
            raise ValueError(f"queues.callbacks.{queue}: a mapping of settings (mode, dial, max_attempts ...)")
        known = [f.name for f in fields(CallbackSettings)]
        unknown = [str(k) for k in (spec or {}) if k not in known]
        if unknown:
            raise ValueError(f"queues.callbacks.{queue}: unknown setting {unknown[0]!r} (known: {', '.join(known)})")
        try:
            out[str(queue)] = CallbackSettings(**(spec or {}))
        except ValueError as exc:
            raise ValueError(f"queues.callbacks.{queue}: {exc}") from None
    return out


@dataclass(frozen=True)
class QueueSettings:
    queues_conf: Path = Path("asterisk-conf/queues.conf")
    queue_log: Path | None = Path(os.environ.get("IVR_SANDBOX_DIR", "/var/cache/ivr/asterisk-sid"),
                                  "var/log/asterisk/queue_log")
    service_level_s: float = 20.0  # "answered within N s" in the reports
    # The callback dialer's settings per queue (CallbackSettings); a queue not here is not dialled.
    callbacks: dict[str, CallbackSettings] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveSettings:
    """The wallboard (/live): when a tile turns amber or red, and how often the queues are
    asked again (QueueStatus) besides every login."""
    longest_wait_amber_s: float = 30.0
    longest_wait_red_s: float = 60.0
    waiting_amber: int = 3
    waiting_red: int = 6
    service_level_amber: float = 0.8     # today's service level below this: amber
    service_level_red: float = 0.6
    resync_s: float = 60.0

    def __post_init__(self) -> None:
        for name in ("longest_wait_amber_s", "longest_wait_red_s", "waiting_amber", "waiting_red",
                     "service_level_amber", "service_level_red", "resync_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"live.{name}: {value!r} must be a number, at least 0")
        if self.longest_wait_red_s < self.longest_wait_amber_s or self.waiting_red < self.waiting_amber:
            raise ValueError("live: a red threshold must not be below its amber one")
        if not (0 <= self.service_level_red <= self.service_level_amber <= 1):
            raise ValueError("live: service levels are ratios with 0 <= service_level_red <= service_level_amber <= 1")
        if self.resync_s < 5:
            raise ValueError(f"live.resync_s: {self.resync_s!r} is below 5 s")


@dataclass(frozen=True)
class Settings:
    path: Path
    base: Path                      # directory of config.yaml; relative paths start here
    controller: ControllerSettings
    ami: AMISettings
    database_url: str
    recordings: RecordingSettings
    queues: QueueSettings
    prompts_dir: Path
    state_dir: Path
    raw: dict[str, Any] = field(repr=False, default_factory=dict)  # the whole document, for the menu loader
    live: LiveSettings = field(default_factory=LiveSettings)
    # Every Asterisk this controller links to (`ami:` a list); `ami` is the first, whose link
    # also places test calls and callbacks and feeds the wallboard. Empty: just `ami`.
    asterisks: tuple[AMISettings, ...] = ()

    def __post_init__(self) -> None:
        if not self.asterisks:
            object.__setattr__(self, "asterisks", (self.ami,))


def default_config_path() -> Path:
    return Path(os.environ.get("IVR_CONFIG", "config.yaml"))


def _section(doc: dict, name: str, path: Path) -> dict:
    value = doc.get(name) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"'{name}' must be a mapping", str(path))
    return value


def _ami_entries(doc: dict, path: Path) -> list[dict]:
    """`ami:` as a mapping (one Asterisk) or a list of mappings, each with its own `name`."""
    value = doc.get("ami") or {}
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list) or not value:
        raise ConfigError("'ami' must be a mapping (one Asterisk) or a list of them (several)", str(path))
    seen: dict[str, int] = {}
    for i, entry in enumerate(value, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"ami: entry {i} must be a mapping (name, host, port, username, secret_file)",
                              str(path))
        name = entry.get("name")
        if not name or not isinstance(name, str):
            raise ConfigError(f"ami: entry {i} needs a name (its Asterisk's systemname): several Asterisks "
                              "are told apart by it", str(path))
        if name in seen:
            raise ConfigError(f"ami: entries {seen[name]} and {i} are both named {name!r}", str(path))
        seen[name] = i
        where = (entry.get("host", "127.0.0.1"), entry.get("port", 5038))
        for other in value[:i - 1]:
            if (other.get("host", "127.0.0.1"), other.get("port", 5038)) == where:
                raise ConfigError(f"ami: entry {i} ({name}) has the address {where[0]}:{where[1]} of an "
                                  "earlier entry", str(path))
    return value


def _ami(entry: dict, resolve, state_dir: Path) -> AMISettings:
    extra = {"queue_log": resolve(entry["queue_log"])} if entry.get("queue_log") else {}
    return AMISettings(**{**entry, **extra,
                          "secret_file": resolve(entry.get("secret_file", state_dir / "sandbox/ami-secret"))})


def load_settings(path: Path | None = None, text: str | None = None) -> Settings:
    """Read config.yaml; raise ConfigError naming the file on any problem. `text`: the
    file's content already read (and validated) by the caller, so both see one version."""
    from .yamlguard import check_yaml
    path = Path(path or default_config_path())
    if text is None:
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config: {getattr(exc, 'strerror', None) or exc}", str(path)) from None
    check_yaml(text, str(path))  # nesting and alias bombs refused before PyYAML builds anything
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"YAML syntax: {getattr(exc, 'problem', exc)}", str(path),
                          mark.line + 1 if mark else 0, mark.column + 1 if mark else 0) from None
    if not isinstance(doc, dict):
        raise ConfigError("the top level must be a mapping", str(path), 1, 1)
    base = path.resolve().parent

    def resolve(value: str | Path) -> Path:
        p = Path(value)
        return p if p.is_absolute() else base / p

    state_dir = resolve(doc.get("state_dir", "var"))
    ctl = _section(doc, "controller", path)
    amis = _ami_entries(doc, path)
    rec = _section(doc, "recordings", path)
    db = _section(doc, "database", path)
    qs = _section(doc, "queues", path)
    lv = _section(doc, "live", path)
    url = os.environ.get("IVR_DATABASE_URL") or db.get("url") or f"sqlite:///{state_dir / 'ivr.db'}"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = f"sqlite:///{resolve(url[len('sqlite:///'):])}"
    try:
        return Settings(
            path=path, base=base,
            controller=ControllerSettings(**{**ctl, **({"secret_file": str(resolve(ctl["secret_file"]))}
                                                       if ctl.get("secret_file") else {})}),
            ami=(asterisks := tuple(_ami(entry, resolve, state_dir) for entry in amis))[0],
            asterisks=asterisks,
            database_url=url,
            recordings=RecordingSettings(**{**rec, "directory": resolve(rec.get("directory", state_dir / "recordings"))}),
            queues=QueueSettings(
                queues_conf=resolve(qs.get("queues_conf", "asterisk-conf/queues.conf")),
                queue_log=resolve(qs["queue_log"]) if qs.get("queue_log") else QueueSettings.queue_log,
                service_level_s=float(qs.get("service_level_s", 20)),
                callbacks=_callbacks(qs.get("callbacks"))),
            prompts_dir=resolve(doc.get("prompts_dir", "prompts")),
            state_dir=state_dir,
            raw=doc,
            live=LiveSettings(**lv),
        )
    except TypeError as exc:  # an unknown key in a section
        raise ConfigError(str(exc).replace("__init__()", "setting"), str(path)) from None
    except ValueError as exc:  # a setting out of range
        raise ConfigError(str(exc), str(path)) from None
