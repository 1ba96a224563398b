"""`ivr prompts check|convert|synth`: the prompt catalog on the command line."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import IVRError

if TYPE_CHECKING:
    from .check import Report


def add_prompts_parser(subparsers):
    from ..cli_support import add_format_option
    p = subparsers.add_parser("prompts", help="the prompt catalog: check, convert, synth")
    p.set_defaults(func=cmd_prompts)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    s = actions.add_parser("check", help="missing, unplayable, wrong-format and placeholder prompts")
    s.add_argument("--lang", default=None, help="one language of the menu (default: all)")
    add_format_option(s)

    s = actions.add_parser("convert", help="WAV/MP3/OGG to 8 kHz 16-bit mono WAV, trimmed and normalised")
    s.add_argument("sources", nargs="+", type=Path, metavar="SRC")
    where = s.add_mutually_exclusive_group()
    where.add_argument("-o", "--output-dir", type=Path, default=None, help="write OUTDIR/<name>.wav")
    where.add_argument("--lang", default=None, help="write <prompts dir>/LANG/<name>.wav")
    s.add_argument("--target-dbfs", type=float, default=-18.0, help="average loudness (default -18)")

    s = actions.add_parser("synth", help="espeak-ng placeholders for missing prompts and say fragments")
    s.add_argument("--lang", default=None, help="one language of the menu (default: all)")
    s.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="espeak-ng processes at once")
    return p


def cmd_prompts(args) -> int:
    return {"check": cmd_check, "convert": cmd_convert, "synth": cmd_synth}[args.action](args)


# ---------------------------------------------------------------- progress

class Progress:
    """One self-rewriting line on stderr when it is a terminal; silent
    otherwise, so logs get the messages and the summary, not 300 redraws."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30):
        self.total, self.label, self.done, self.width = total, label, 0, width
        self.stream = stream or sys.stderr
        self.live = total > 1 and self.stream.isatty()

    def step(self, name: str = "") -> None:
        self.done += 1
        if self.live:
            filled = self.width * self.done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r\033[K{self.label} [{bar}] {self.done}/{self.total} {name[-40:]}")
            self.stream.flush()

    def message(self, text: str, out: TextIO | None = None) -> None:
        """A line that stays, printed above the bar (on `out`, default stderr)."""
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()
        print(text, file=out or self.stream, flush=True)

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


# ---------------------------------------------------------------- check

def _languages(loaded, lang: str | None) -> list[str]:
    """Every language a hotline offers (the default hotline's first), or the one asked for."""
    offered = list(dict.fromkeys(x for h in loaded.hotlines.by_name.values() for x in h.menu.languages))
    offered = list(dict.fromkeys([*loaded.menu.languages, *offered]))
    if lang is None:
        return offered
    if lang not in offered:
        raise IVRError(f"--lang {lang!r} is not one of the hotlines' languages {offered}")
    return [lang]


def _shown(path: Path) -> str:
    """Relative to the working directory when below it: prompts/pl/say/złote.wav."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _needed_by(who: tuple[str, ...], limit: int = 3) -> str:
    more = f" and {len(who) - limit} more" if len(who) > limit else ""
    return ", ".join(who[:limit]) + more


def format_table(report: Report, languages: list[str]) -> list[str]:
    """Errors first, then placeholders, per language; a summary line each."""
    from .check import ERRORS, PLACEHOLDER
    lines = [f"warning: {w}" for w in report.warnings]
    for lang in languages:
        found = [f for f in report.findings if f.need.language == lang]
        ordered = [f for f in found if f.error] + [f for f in found if f.status == PLACEHOLDER]
        for f in ordered:
            detail = f": {f.detail}" if f.detail and f.status != PLACEHOLDER else ""
            lines.append(f"{_shown(f.path)}: {f.status}{detail} (needed by {_needed_by(f.need.needed_by)})")
        counts = {s: sum(f.status == s for f in found) for s in (*ERRORS, PLACEHOLDER)}
        names = len({f.need.name for f in found})
        lines.append(f"{lang}: {names} prompts needed: " + ", ".join(
            f"{n} {s}{'s' if s == PLACEHOLDER and n != 1 else ''}" for s, n in counts.items()))
    return lines


def format_json(report: Report, languages: list[str]) -> str:
    return json.dumps({
        "ok": not report.failed,
        "languages": languages,
        "warnings": report.warnings,
        "prompts": [{"language": f.need.language, "name": f.need.name, "file": _shown(f.path),
                     "status": f.status, "detail": f.detail, "needed_by": list(f.need.needed_by)}
                    for f in report.findings],
    }, ensure_ascii=False, indent=2)


def cmd_check(args) -> int:
    from ..cli_support import load
    from .check import check
    loaded = load(args)
    languages = _languages(loaded, args.lang)
    report = check(loaded.menu, loaded.settings.prompts_dir, languages, loaded.settings.database_url,
                   hotlines=loaded.hotlines)
    if args.format == "json":
        print(format_json(report, languages))
    else:
        print("\n".join(format_table(report, languages)))
    return 1 if report.failed else 0


# ---------------------------------------------------------------- convert

def cmd_convert(args) -> int:
    from .convert import ConvertError, ConvertOptions, convert, target_for
    out_dir = args.output_dir
    if args.lang:
        from ..cli_support import settings
        out_dir = settings(args).prompts_dir / args.lang
    opts = ConvertOptions(target_dbfs=args.target_dbfs)
    progress, failed = Progress(len(args.sources), "convert"), 0
    written: dict[Path, Path] = {}
    for source in args.sources:
        target = target_for(source, out_dir)
        try:
            first = written.get(target.resolve())
            if first:  # hello.mp3 and hello.ogg: the second would replace the first
                raise ConvertError(f"{_shown(target)} is already written from {first}", source)
            done = convert(source, target, opts)
        except ConvertError as exc:
            failed += 1
            progress.message(f"ivr prompts convert: error: {exc}")
        else:
            written[target.resolve()] = source
            note = " (replaced a placeholder)" if done.replaced_placeholder else ""
            progress.message(f"{_shown(done.target)}: {done.seconds:.2f} s{note}", sys.stdout)
        progress.step(source.name)
    progress.close()
    total = len(args.sources)
    print(f"converted {total - failed} of {total} file(s)" + (f", {failed} failed" if failed else ""),
          file=sys.stderr)
    return 1 if failed else 0


# ---------------------------------------------------------------- synth

@dataclass(frozen=True)
class SynthJob:
    text: str
    language: str
    target: Path


def synth_jobs(loaded, languages: list[str], warn) -> list[SynthJob]:
    """Every missing prompt that has something to say: catalog texts for
    named prompts (the config's and the data's), the word itself for say/
    fragments. A needed prompt with no text is a warning: add it to the catalog."""
    from ..menu.prompts import prompt_files
    from .check import SPEECH_RULES, load_data_prompts, needed_by_hotlines
    from .synth import load_catalog
    prompts_dir = loaded.settings.prompts_dir
    catalog_path = prompts_dir / "catalog.yaml"
    own_catalog = catalog_path.exists()
    if not own_catalog:   # an install's empty prompts dir: the texts the package ships, for what the menu needs
        from ..shipped import shipped
        try:
            catalog_path = shipped("prompts/catalog.yaml")
        except IVRError:
            pass
    catalog = load_catalog(catalog_path) if catalog_path.exists() else {}
    data = None
    try:
        from datetime import date
        data = load_data_prompts(loaded.settings.database_url, date.today())
    except IVRError as exc:
        warn(f"database not reachable ({exc}); only the catalog's data prompts are synthesized")

    def exists(name: str, lang: str) -> bool:
        return any(f.exists() for f in prompt_files(prompts_dir, lang, name))

    jobs: dict[tuple[str, str], SynthJob] = {}
    for need in needed_by_hotlines(loaded.hotlines, languages, data, warn):
        if exists(need.name, need.language):
            continue
        if need.needed_by == (SPEECH_RULES,) and need.name.startswith("say/"):
            text = need.name[len("say/"):]
        elif need.language in catalog.get(need.name, {}):
            text = catalog[need.name][need.language]
        else:
            warn(f"{need.language}/{need.name} (needed by {_needed_by(need.needed_by)}) has no text "
                 f"in {catalog_path}: not synthesized")
            continue
        target = prompts_dir / need.language / f"{need.name}.wav"
        jobs[need.name, need.language] = SynthJob(text, need.language, target)
    for name, texts in sorted(catalog.items() if own_catalog else ()):  # catalog prompts not (yet) in the menu
        for lang in languages:
            if lang in texts and (name, lang) not in jobs and not exists(name, lang):
                jobs[name, lang] = SynthJob(texts[lang], lang, prompts_dir / lang / f"{name}.wav")
    return list(jobs.values())


def run_synth(jobs: list[SynthJob], workers: int, progress: Progress) -> tuple[list[Path], list[str]]:
    """Synthesize in a small pool: each job is two short processes
    (espeak-ng, sox), so threads only wait and a few run at once."""
    from .synth import synth
    written, errors = [], []
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        futures = {pool.submit(synth, j.text, j.language, j.target): j for j in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                future.result()
                written.append(job.target)
            except Exception as exc:  # noqa: BLE001 - one bad prompt must not stop the batch
                errors.append(f"{_shown(job.target)}: {exc}")
                progress.message(f"ivr prompts synth: error: {_shown(job.target)}: {exc}")
            progress.step(job.target.name)
    progress.close()
    return sorted(written), errors


def cmd_synth(args) -> int:
    from ..cli_support import load
    from .synth import require_tools
    loaded = load(args)
    languages = _languages(loaded, args.lang)
    warn = lambda text: print(f"warning: {text}", file=sys.stderr)  # noqa: E731
    jobs = synth_jobs(loaded, languages, warn)
    if jobs:
        require_tools()
    written, errors = run_synth(jobs, args.jobs, Progress(len(jobs), "synth"))
    for path in written:
        print(f"placeholder written: {_shown(path)}")
    print(f"synthesized {len(written)} placeholder(s)" + (f", {len(errors)} failed" if errors else ""),
          file=sys.stderr)
    return 1 if errors else 0
