"""A scripted Asterisk for the channel contract: a sans-IO model of what
Asterisk 22's res_agi.c answers, driven by a scripted caller.

`ScriptedAsterisk.handle(line)` takes one command line the AGI wrote and
returns what Asterisk writes back: reply bytes, and the SIGHUP marker where a
classic AGI process would be signalled. The same object drives the FastAGI
channel (over loopback TCP) and the classic pyst2 channel (over pipes); the
fake channel reads the same caller script itself.

What is modelled from res_agi.c (agi_handle_command, run_agi, the handlers):

- arguments are split as parse_args does (quotes, backslash escapes);
- an unknown command answers `510 Invalid or unknown command`;
- a handler returning RESULT_SHOWUSAGE answers the multi-line
  `520-Invalid command syntax.  Proper usage follows:` ... `520 End of proper
  usage.`, or the one line `520 Invalid command syntax.  Proper usage not
  available.` when the command has no usage text;
- once the channel is dead, commands not marked dead-safe answer
  `511 Command Not Permitted on a dead channel or intercepted channel`;
  dead-safe ones (EXEC, GET VARIABLE, SET VARIABLE) still answer;
- when the caller hangs up during a command, the command answers result=-1
  and run_agi, back in its loop, notices the hangup and tells the AGI:
  FastAGI gets a `HANGUP` line after that reply, classic AGI a SIGHUP.
  `notice` chooses where the HANGUP line goes (after the reply, as
  run_agi does; before it, where a reply is expected; or not at all, as with
  AGISIGHUP=no) or a SIGHUP instead.

The caller script is the fake channel's `--digits` language (ivr.channel.fake):
space-separated presses, each made during whatever the IVR next listens
through, its digits typed in quick succession; `-` stays silent through one
wait (a prompt and the wait after it); `hangup` hangs up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DTMF = "0123456789*#"

NOTICE_AFTER = "hangup-line-after-reply"     # run_agi: the reply, then HANGUP when the loop notices
NOTICE_BEFORE = "hangup-line-before-reply"   # HANGUP where the reply is expected
NOTICE_NONE = "no-hangup-line"               # AGISIGHUP=no: only result=-1 and 511 tell
NOTICE_SIGHUP = "sighup"                     # classic AGI: a signal, no line

SIGHUP = object()  # marker in handle()'s output: signal the classic AGI process
CLOSE = object()   # marker in handle()'s output: close the connection (the AGI's stdin)

USAGE = {
    # Asterisk 22 sends the XML description as usage; an excerpt of each, over two lines.
    "STREAM FILE": "Send the given file, allowing playback to be interrupted by the given digits, if any.\n"
                   "Returns 0 if playback completes without a digit being pressed, or the ASCII\n",
    "SAY NUMBER": "Say a given number, returning early if any of the given DTMF digits are received\n"
                  "on the channel. Returns 0 if playback completes without a digit being pressed\n",
    "SAY DIGITS": "Say a given digit string, returning early if any of the given DTMF digits are\n"
                  "received on the channel.\n",
    "GET VARIABLE": "Returns 0 if variable is not set or channel does not exist. Returns 1 if\n"
                    "variable is set and returns the variable in parentheses.\n",
}


def parse_args(line: str) -> list[str]:
    """res_agi.c parse_args: words split on blanks, "quotes" group, backslash escapes."""
    args: list[str] = []
    cur: list[str] | None = None
    quoted = escaped = False
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and cur is None:
                cur = []
            continue
        if ch in " \t" and not quoted and not escaped:
            if cur is not None:
                args.append("".join(cur))
            cur = None
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        if cur is None:
            cur = []
        cur.append(ch)
        escaped = False
    if cur is not None:
        args.append("".join(cur))
    return args


class Caller:
    """The person on the line, following a script of presses."""

    def __init__(self, script: str):
        self.tokens = script.split()
        self.buffer = ""       # the rest of the press being typed
        self.paused = False    # a press just ended: a wait right after it times out
        self.gone = False

    def _next_press(self) -> str:
        token = self.tokens.pop(0) if self.tokens else ""
        if token == "hangup":
            self.gone = True
            return ""
        return "" if token == "-" else token

    def _take(self, allowed: str) -> str:
        if not self.buffer:
            self.buffer = self._next_press()
        if self.buffer and self.buffer[0] in allowed:
            digit, self.buffer = self.buffer[0], self.buffer[1:]
            self.paused = not self.buffer
            return digit
        self.buffer = ""  # a key the IVR is not listening for is lost
        return ""

    def during_prompt(self, escape: str) -> str:
        """A prompt that stops on `escape`: the digit that stopped it, or ''."""
        if not escape:
            return ""
        self.paused = False
        # A silent turn (`-`) lasts through the prompt and the wait after it.
        if self.buffer or (self.tokens and self.tokens[0] != "-"):
            return self._take(escape)
        return ""

    def during_wait(self) -> str:
        """WAIT FOR DIGIT: one digit or '' (timeout)."""
        if self.buffer:
            return self._take(DTMF)
        if self.paused:
            self.paused = False
            return ""
        return self._take(DTMF)

    def during_read(self, max_digits: int, terminator: str) -> tuple[str, bool]:
        """Read(): (digits, timed out); digits typed during its prompts count."""
        digits = ""
        while len(digits) < max_digits:
            d = self._take(DTMF) if (self.buffer or not digits) else ""
            if self.gone:
                return digits, False
            if not d:
                return digits, True
            if d in terminator:
                return digits, False
            digits += d
        return digits, False


@dataclass
class ScriptedAsterisk:
    """One call as res_agi.c sees it."""

    script: str = ""
    notice: str = NOTICE_AFTER
    usage_available: bool = True
    queue_status: str = "TIMEOUT"
    dead: bool = False            # the call is over (commands not dead-safe answer 511)
    close_on: str = ""            # close the connection instead of answering this command
    variables: dict[str, str] = field(default_factory=dict)
    log: list[tuple[str, bytes]] = field(default_factory=list)  # (command, what was answered)

    def __post_init__(self) -> None:
        self.caller = Caller(self.script)

    def headers(self, unique_id: str = "1700000000.1") -> bytes:
        return ("agi_network: yes\nagi_network_script: ivr\nagi_request: agi://127.0.0.1/ivr\n"
                f"agi_channel: PJSIP/caller-00000001\nagi_language: en\nagi_uniqueid: {unique_id}\n"
                "agi_callerid: 48600100200\nagi_dnid: 0800123456\nagi_extension: s\n\n").encode()

    # -- what Asterisk writes back -------------------------------------------------

    def handle(self, line: bytes) -> list:
        """The bytes (and SIGHUP markers) Asterisk sends for one command line."""
        text = line.decode("utf-8").rstrip("\r\n")
        argv = parse_args(text)
        if self.close_on and text.upper().startswith(self.close_on):
            self.log.append((text, b""))
            return [CLOSE]
        out = self._dispatch(argv)
        if self.caller.gone and not self.dead:
            # The caller hung up during this command: it answered -1; run_agi notices.
            self.dead = True
            out = self._tell_hangup(out)
        self.log.append((text, b"".join(x for x in out if isinstance(x, bytes))))
        return out

    def _tell_hangup(self, reply: list) -> list:
        if self.notice == NOTICE_AFTER:
            return reply + [b"HANGUP\n"]
        if self.notice == NOTICE_BEFORE:
            return [b"HANGUP\n"] + reply
        if self.notice == NOTICE_SIGHUP:
            return [SIGHUP] + reply
        return reply

    def replies(self, code: int) -> list[bytes]:
        """What was answered with this code, in order (for the wire-level checks)."""
        return [r for _, r in self.log if r.startswith(str(code).encode())]

    def _dispatch(self, argv: list[str]) -> list:
        words = [a.upper() for a in argv]
        for n, name, handler, dead_safe in self._COMMANDS:
            if words[:n] == name.split():
                if self.dead and not dead_safe:
                    return [b"511 Command Not Permitted on a dead channel or intercepted channel\n"]
                result = handler(self, argv)
                if result is None:
                    return self._usage(name)
                return [result.encode()]
        return [b"510 Invalid or unknown command\n"]

    def _usage(self, name: str) -> list[bytes]:
        usage = USAGE.get(name, "") if self.usage_available else ""
        if not usage:
            return [b"520 Invalid command syntax.  Proper usage not available.\n"]
        return [b"520-Invalid command syntax.  Proper usage follows:\n", usage.encode(),
                b"520 End of proper usage.\n"]

    # -- the handlers (None: RESULT_SHOWUSAGE) ----------------------------------------

    def _answer(self, argv):
        return "200 result=0\n" if len(argv) == 1 else None

    def _stream_file(self, argv):
        if len(argv) not in (4, 5):
            return None
        digit = self.caller.during_prompt(argv[3])
        if self.caller.gone:
            return "200 result=-1 endpos=4000\n"
        return f"200 result={ord(digit) if digit else 0} endpos=8000\n"

    def _say(self, argv, number: bool):
        if len(argv) not in ((4, 5) if number else (4,)):
            return None
        if number:
            try:
                int(argv[2])          # sscanf(argv[2], "%30d") or RESULT_SHOWUSAGE
            except ValueError:
                return None
        digit = self.caller.during_prompt(argv[3])
        if self.caller.gone:
            return "200 result=-1\n"
        return f"200 result={ord(digit) if digit else 0}\n"

    def _say_number(self, argv):
        return self._say(argv, True)

    def _say_digits(self, argv):
        return self._say(argv, False)

    def _wait_for_digit(self, argv):
        if len(argv) != 4:
            return None
        try:
            int(argv[3])
        except ValueError:
            return None
        digit = self.caller.during_wait()
        if self.caller.gone:
            return "200 result=-1\n"
        return f"200 result={ord(digit) if digit else 0}\n"

    def _get_variable(self, argv):
        if len(argv) != 3:
            return None
        value = self.variables.get(argv[2])
        return "200 result=0\n" if value is None else f"200 result=1 ({value})\n"

    def _set_variable(self, argv):
        if len(argv) != 4:
            return None
        self.variables[argv[2]] = argv[3]
        return "200 result=1\n"

    def _channel_status(self, argv):
        return "200 result=6\n" if len(argv) in (2, 3) else None   # AST_STATE_UP

    def _hangup(self, argv):
        if len(argv) not in (1, 2):
            return None
        self.caller.gone = True   # the channel is hung up: run_agi tells the AGI as for the caller
        return "200 result=1\n"

    def _exec(self, argv):
        if len(argv) < 2:
            return None
        app, args = argv[1].lower(), (argv[2] if len(argv) > 2 else "")
        if app == "read":
            return self._read(args.split(","))
        if app == "queue":
            self.variables["QUEUESTATUS"] = self.queue_status
            return "200 result=0\n"
        if app in ("mixmonitor", "userevent"):
            return "200 result=0\n"
        return "200 result=-2\n"   # pbx_findapp failed

    def _read(self, args: list[str]):
        # Read(variable,filename&filename2,maxdigits,options,attempts,timeout)
        args += [""] * (6 - len(args))
        var, _files, maxdigits, options = args[0], args[1], args[2], args[3]
        terminator = "#"
        if "t(" in options:
            terminator = options.split("t(", 1)[1].split(")", 1)[0]
        digits, timed_out = self.caller.during_read(int(maxdigits or 255), terminator)
        self.variables[var] = digits
        if self.caller.gone:
            self.variables["READSTATUS"] = "HANGUP"
            return "200 result=-1\n"
        self.variables["READSTATUS"] = "TIMEOUT" if timed_out else "OK"
        return "200 result=0\n"

    _COMMANDS = [
        # (words, name, handler, dead-safe as in res_agi.c's commands[])
        (1, "ANSWER", _answer, False),
        (2, "CHANNEL STATUS", _channel_status, False),
        (1, "EXEC", _exec, True),
        (2, "GET VARIABLE", _get_variable, True),
        (1, "HANGUP", _hangup, False),
        (2, "SAY DIGITS", _say_digits, False),
        (2, "SAY NUMBER", _say_number, False),
        (2, "SET VARIABLE", _set_variable, True),
        (2, "STREAM FILE", _stream_file, False),
        (3, "WAIT FOR DIGIT", _wait_for_digit, False),
    ]
