"""The exception tree of the IVR engine: every exception the `ivr` package
defines is here (tests/test_errors.py walks the package and fails otherwise).

    IVRError                      anything this package raises on purpose
    ├── CommandLineError          the command line is wrong: a usage error, exit 2
    ├── ConfigError               a config file is wrong (carries path, line, col)
    ├── SandboxError              the Asterisk chroot cannot be built, started or stopped
    ├── StoreError                the call log cannot be read or written
    │   └── DataUnavailable       the database is away and what a call asked is not cached
    ├── AMIError                  AMI refused, or could not be reached
    ├── SpeechError               a value cannot be spoken (carries language, kind, value)
    ├── AudioError                a sound file cannot be used (carries path)
    │   ├── ConvertError          one input of `ivr prompts convert` could not be converted
    │   └── Unplayable            not audio Asterisk can read
    ├── RecordingError            a recording cannot be found, read or written
    │   ├── UnknownRecording      no row for this id / unique id (carries key)
    │   ├── RecordingFileMissing  the row exists, its file is not on disk (carries key, path)
    │   ├── RecordingDeleted      purged: the row stays for the audit log, the file is gone
    │   └── ExportFailed          pydub/ffmpeg could not convert the file
    ├── WebError                  the console cannot start as configured
    ├── UserError                 a console user cannot be added or changed as asked
    ├── LoginRequired             no valid console session: control flow of the web app,
    │                             pages redirect to /login, media answer 401 (never shown)
    ├── BenchError                `python -m ivr.bench`: a server or client gave no answer
    ├── ProtocolError             the peer broke the AGI wire format
    │   ├── HeaderTooLarge        AGI headers over the size limit
    │   ├── HeaderTimeout         AGI headers did not end in time
    │   ├── IncompleteHeaders     the connection closed before the headers ended
    │   ├── MalformedReply        a reply line that is no AGI reply
    │   ├── RefusedSession        headers that are no Asterisk call's (no unique id or channel,
    │   │                         a wrong token): refused before anything is written (carries peer)
    │   └── LocalProtocolError    we tried an illegal move (two commands in flight)
    └── ChannelError              a channel operation did not do what was asked (carries command)
        ├── ChannelHungUp         the caller is gone (HANGUP, 511, result=-1 on hangup)
        ├── CommandFailed         Asterisk answered with an error code (510, ...)
        └── UsageError            Asterisk answered 520 with the proper usage

The `ivr` command turns CommandLineError into exit status 2 and every other
IVRError (and an OSError: a missing file, a port in use) into exit status 1,
each as one line `ivr CMD: error: MESSAGE` (ivr/cli_support.py). Anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class IVRError(Exception):
    """Base of every error this package raises on purpose."""


class CommandLineError(IVRError):
    """The command line is wrong (a missing id, options that do not go
    together): what argparse would call a usage error. Exit status 2."""


class ConfigError(IVRError):
    """A configuration problem at PATH:LINE:COL."""

    def __init__(self, message: str, path: str = "", line: int = 0, col: int = 0):
        self.message, self.path, self.line, self.col = message, path, line, col
        super().__init__(self.location() + message)

    def location(self) -> str:
        if not self.path:
            return ""
        return f"{self.path}:{self.line}:{self.col}: " if self.line else f"{self.path}: "


class SandboxError(IVRError):
    """The Asterisk sandbox cannot do what was asked; the message says why."""


class StoreError(IVRError):
    """The database cannot be reached or holds something unexpected."""


class DataUnavailable(StoreError):
    """The database is away and the data a call asked for (an account, a PIN check) cannot
    be served from the cache: the menu takes its failure path instead."""


class AMIError(IVRError):
    """AMI refused, or could not be reached."""


class SpeechError(IVRError):
    """A value, kind, language, currency or noun that cannot be spoken;
    `language`, `kind` and `value` say which, where known."""

    def __init__(self, message: str, *, language: str = "", kind: str = "", value: str | None = None):
        self.language, self.kind, self.value = language, kind, value
        super().__init__(message)


class AudioError(IVRError):
    """A sound file cannot be used; `path` names it when known, and then the
    message starts with it (PATH: MESSAGE)."""

    def __init__(self, message: str, path: str | Path | None = None):
        self.message, self.path = message, path
        super().__init__(f"{path}: {message}" if path is not None else message)


class ConvertError(AudioError):
    """One input could not be converted; the message names the file."""


class Unplayable(AudioError):
    """Not audio Asterisk can read; the message says why."""


class RecordingError(IVRError):
    """A recording cannot be found, read or written."""


class UnknownRecording(RecordingError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(f"no recording {key!r} (give its id or the call's unique id)")


class RecordingFileMissing(RecordingError):
    def __init__(self, key: str, path: str):
        self.key, self.path = key, path
        super().__init__(f"recording {key}: file missing on disk: {path}")


class RecordingDeleted(RecordingError):
    def __init__(self, key: str, at: str):
        self.key, self.at = key, at
        super().__init__(f"recording {key} was deleted at {at}")


class ExportFailed(RecordingError):
    """pydub/ffmpeg could not convert a recording for export."""


class WebError(IVRError):
    """The console cannot start as configured."""


class UserError(IVRError):
    """A console user cannot be added or changed as asked."""


class LoginRequired(IVRError):
    """No valid session: pages redirect to /login, media answer 401. Control
    flow inside the web app (ivr/web/app.py handles it); never reaches a user
    as an error."""

    def __init__(self, media: bool):
        self.media = media
        super().__init__("login required")


class BenchError(IVRError):
    """`python -m ivr.bench`: a server or client process died or did not answer."""


class ProtocolError(IVRError):
    """The AGI peer sent something that is not AGI."""


class HeaderTooLarge(ProtocolError):
    pass


class HeaderTimeout(ProtocolError):
    pass


class IncompleteHeaders(ProtocolError):
    def __init__(self, message: str, received: int = 0):
        self.received = received
        super().__init__(message)


class MalformedReply(ProtocolError):
    pass


class RefusedSession(ProtocolError):
    """A FastAGI session whose headers are not those of an Asterisk call, or without the
    controller's token: refused before anything is written."""

    def __init__(self, message: str, peer: str = ""):
        self.peer = peer
        super().__init__(f"{peer}: {message}" if peer else message)


class LocalProtocolError(ProtocolError):
    """Our side tried a move the AGI state machine forbids."""


class ChannelError(IVRError):
    """A channel operation failed; `command` names the AGI command involved."""

    def __init__(self, message: str, command: str = ""):
        self.command = command
        super().__init__(f"{command}: {message}" if command else message)


class ChannelHungUp(ChannelError):
    """The caller hung up; a normal end of a call, not a fault."""


class CommandFailed(ChannelError):
    def __init__(self, message: str, command: str = "", code: int = 0):
        self.code = code
        super().__init__(message, command)


class UsageError(ChannelError):
    def __init__(self, usage: str, command: str = ""):
        self.usage = usage
        super().__init__("invalid command syntax: " + usage.splitlines()[0] if usage else "invalid command syntax", command)
