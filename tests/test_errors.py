"""ivr/errors.py holds the whole exception tree: every exception class any
module of the `ivr` package defines is an IVRError defined in ivr.errors,
and the tree drawn in its docstring names each of them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import ivr
import ivr.errors
from ivr.errors import IVRError

# `python -m ivr` runs the command on import; it defines nothing.
SKIP = {"ivr.__main__"}


def _import_all() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(ivr.__path__, "ivr."):
        if info.name not in SKIP:
            importlib.import_module(info.name)
            names.append(info.name)
    return names


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_exception_of_the_package_is_in_the_tree():
    modules = _import_all()
    assert "ivr.web.app" in modules and "ivr.bench.__main__" in modules   # the walk reaches them
    ours = {c for c in _subclasses(BaseException) if c.__module__ == "ivr" or c.__module__.startswith("ivr.")}
    outside = sorted(f"{c.__module__}.{c.__qualname__}" for c in ours if c.__module__ != "ivr.errors")
    assert not outside, f"exceptions defined outside ivr/errors.py: {outside}"
    stray = sorted(c.__qualname__ for c in ours if not issubclass(c, IVRError))
    assert not stray, f"exceptions that are no IVRError: {stray}"


def test_the_docstring_draws_every_class():
    defined = {name for name, obj in vars(ivr.errors).items()
               if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == "ivr.errors"}
    drawn = {_name(line) for line in ivr.errors.__doc__.splitlines()} - {""}
    assert defined == drawn


def _name(line: str) -> str:
    """`    │   ├── ConvertError   what it is` -> ConvertError."""
    words = line.replace("├──", " ").replace("└──", " ").replace("│", " ").split()
    return words[0] if words and words[0].isidentifier() and words[0][0].isupper() and line.startswith("    ") \
        else ""


def test_errors_carry_their_location():
    from ivr.errors import ConfigError, ConvertError, RecordingFileMissing, SpeechError
    from ivr.speech import words
    assert str(ConvertError("no such file", "a/b.mp3")) == "a/b.mp3: no such file"
    assert ConvertError("no such file", "a/b.mp3").path == "a/b.mp3"
    assert str(ConfigError("bad", "c.yaml", 3, 5)) == "c.yaml:3:5: bad"
    assert RecordingFileMissing("7", "x.wav").path == "x.wav"
    try:
        words("pl", "money", "12,3x")
    except SpeechError as exc:
        assert (exc.language, exc.kind, exc.value) == ("pl", "money", "12,3x")
    else:
        raise AssertionError("no SpeechError")
