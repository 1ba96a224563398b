"""Files the engine ships beside its code: the checkout's top-level `dialplans/`,
`asterisk-conf/`, `prompts/catalog.yaml` and the sample `config.yaml`.

They stay at the top of the checkout (the layout is fixed). `ivr/_shipped/` holds a
symlink to each, so one lookup serves both ways the package runs:

- from the checkout (`pip install -e .`, the sandbox, the tests): the symlinks lead to
  the checkout's own files, the ones the sandbox Asterisk loads;
- from an installed wheel: the build followed the symlinks (pyproject.toml's
  package-data), so `ivr/_shipped/` in site-packages holds copies.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

HERE = Path(__file__).parent / "_shipped"


def shipped(relative: str) -> Path:
    """The shipped file `relative` (e.g. "dialplans/ivr-inbound.conf"); ConfigError if missing.

    The package is always files on disk (a wheel unpacked into site-packages, or the
    checkout, which an editable install maps importlib.resources onto as a MultiplexedPath
    that cannot join a symlinked folder): a real path, shown to users as it is."""
    path = HERE / relative
    if not path.is_file():
        raise ConfigError(f"the ivr package ships no {relative} ({path} is missing): reinstall the wheel, "
                          "or run from a checkout that has it")
    return path
