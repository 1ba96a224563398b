"""`ivr prompts synth`: say fragments speak their word, catalog prompts
their text, each marked a placeholder; what exists is left alone."""

from __future__ import annotations

import wave

from audio_support import parse, write_config, write_wav

from ivr.audio.check import check
from ivr.audio.command import Progress, cmd_prompts, run_synth, synth_jobs
from ivr.controller import load
from ivr.speech import fragment_vocabulary


def _jobs(config, languages):
    warnings: list[str] = []
    return {(j.language, j.target.relative_to(config.parent / "prompts").as_posix()): j
            for j in synth_jobs(load(config), languages, warnings.append)}, warnings


def test_jobs_speak_the_word_of_each_missing_fragment(tmp_path):
    config = write_config(tmp_path, languages="en, hu")
    (tmp_path / "prompts" / "catalog.yaml").write_text("welcome:\n  en: Welcome.\n  hu: Üdvözöljük.\n")
    write_wav(tmp_path / "prompts" / "en" / "say" / "twelve.wav")
    jobs, warnings = _jobs(load(config).settings.path, ["en", "hu"])
    assert jobs["hu", "hu/say/huszon.wav"].text == "huszon"
    assert jobs["en", "en/say/euros.wav"].text == "euros"
    assert ("en", "en/say/twelve.wav") not in jobs  # it exists
    assert jobs["hu", "hu/welcome.wav"].text == "Üdvözöljük."
    # hu fragments are a few dozen recordings, not the 4354 words
    hu_fragments = [name for lang, name in jobs if lang == "hu" and name.startswith("hu/say/")]
    assert len(hu_fragments) == len(fragment_vocabulary("hu"))
    # prompts the menu needs but the catalog cannot say are named, not invented
    assert any("en/main-menu (needed by node main) has no text" in w for w in warnings)


def test_synth_writes_placeholders_that_check_accepts(tmp_path, tools):
    config = write_config(tmp_path, languages="pl")
    jobs, _ = _jobs(config, ["pl"])
    chosen = [jobs["pl", "pl/say/złote.wav"], jobs["pl", "pl/say/dwadzieścia.wav"]]
    written, errors = run_synth(chosen, 2, Progress(len(chosen), "synth"))
    assert not errors and len(written) == 2
    for path in written:
        with wave.open(str(path)) as w:
            assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
            assert w.getnframes() > 800  # a spoken word, not silence
        assert path.with_name(path.name + ".placeholder").read_text().startswith("espeak-ng pl: ")
    loaded = load(config)
    found = {f.need.name: f.status for f in check(loaded.menu, loaded.settings.prompts_dir, ["pl"], None).findings}
    assert found["say/złote"] == found["say/dwadzieścia"] == "placeholder"
    assert found["say/złoty"] == "missing"


def test_synth_command_fills_the_catalog_and_reports_each_file(tmp_path, tools, capsys, monkeypatch):
    config = write_config(tmp_path)
    for word in fragment_vocabulary("en") - {"seven"}:  # all but one fragment exist already
        write_wav(tmp_path / "prompts" / "en" / "say" / f"{word}.wav", seconds=0.01)
    (tmp_path / "prompts" / "catalog.yaml").write_text("welcome:\n  en: Welcome.\n")
    monkeypatch.chdir(tmp_path)
    assert cmd_prompts(parse(config, "synth", "--jobs", "2")) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["placeholder written: prompts/en/say/seven.wav",
                                "placeholder written: prompts/en/welcome.wav"]
    assert "synthesized 2 placeholder(s)" in err
    assert "warning: database not reachable" in err
