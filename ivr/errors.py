"""The exception tree of the IVR engine.

    IVRError                      anything this package raises on purpose
    ├── ConfigError               a config file is wrong (carries PATH:LINE:COL)
    ├── SandboxError              the Asterisk chroot cannot be built, started or stopped
    ├── StoreError                the call log cannot be read or written
    ├── ProtocolError             the peer broke the AGI wire format
    │   ├── HeaderTooLarge        AGI headers over the size limit
    │   ├── HeaderTimeout         AGI headers did not end in time
    │   ├── IncompleteHeaders     the connection closed before the headers ended
    │   ├── MalformedReply        a reply line that is no AGI reply
    │   └── LocalProtocolError    we tried an illegal move (two commands in flight)
    └── ChannelError              a channel operation did not do what was asked
        ├── ChannelHungUp         the caller is gone (HANGUP, 511, result=-1 on hangup)
        ├── CommandFailed         Asterisk answered with an error code (510, ...)
        └── UsageError            Asterisk answered 520 with the proper usage
"""

from __future__ import annotations


class IVRError(Exception):
    """Base of every error this package raises on purpose."""


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
