"""`ivr prompts convert`: MP3 and OGG made with ffmpeg to 8 kHz 16-bit mono
WAV, silence trimmed, loudness normalised; a bad file in a batch."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from audio_support import parse, run, write_config, write_wav

from ivr.audio.check import inspect_file
from ivr.audio.command import cmd_prompts
from ivr.audio.convert import ConvertError, ConvertOptions, convert

TONE, LEAD, TAIL = 0.5, 0.7, 0.4  # seconds of tone, and of silence before and after it


@pytest.fixture
def sources(tmp_path, tools):
    """A 44.1 kHz stereo tone with silence around it, as WAV, MP3 and OGG."""
    src = tmp_path / "src"
    wav = write_wav(src / "tone.wav", rate=44100, channels=2, seconds=TONE, lead=LEAD, tail=TAIL, amplitude=0.05)
    run("ffmpeg", "-loglevel", "error", "-i", str(wav), str(src / "hello.mp3"))
    run("ffmpeg", "-loglevel", "error", "-i", str(wav), "-c:a", "libvorbis", str(src / "menu.ogg"))
    return src


def _format(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.getsampwidth(), w.getnchannels(), w.getnframes() / w.getframerate()


@pytest.mark.parametrize("name", ["hello.mp3", "menu.ogg", "tone.wav"])
def test_converted_to_8k_16bit_mono_and_trimmed(sources, tmp_path, name):
    done = convert(sources / name, tmp_path / "out" / "x.wav")
    rate, width, channels, seconds = _format(done.target)
    assert (rate, width, channels) == (8000, 2, 1)
    keep = 2 * ConvertOptions().keep_ms / 1000
    # the 1.1 s of silence is gone; codec padding and the kept edges may add a little
    assert TONE <= seconds <= TONE + keep + 0.08, seconds
    assert abs(done.seconds - seconds) < 0.01
    assert inspect_file(done.target) == ("ok", "")


def test_loudness_is_normalised(sources, tmp_path):
    from pydub import AudioSegment
    done = convert(sources / "tone.wav", tmp_path / "x.wav", ConvertOptions(target_dbfs=-20))
    sound = AudioSegment.from_file(str(done.target))
    assert abs(sound.dBFS - -20) < 1.5  # the source was at about -29 dBFS
    assert sound.max_dBFS <= -0.9


def test_batch_goes_on_after_a_bad_file(sources, tmp_path, capsys):
    bad = sources / "broken.mp3"
    bad.write_bytes(b"this is no mp3")
    out = tmp_path / "prompts"
    args = parse(write_config(tmp_path), "convert", str(sources / "hello.mp3"), str(bad),
                 str(sources / "menu.ogg"), "-o", str(out))
    assert cmd_prompts(args) == 1
    captured = capsys.readouterr()
    assert f"ivr prompts convert: error: {bad}: cannot decode" in captured.err
    assert "converted 2 of 3 file(s), 1 failed" in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["hello.wav", "menu.wav"]


def test_lang_writes_into_the_prompts_dir_and_replaces_a_placeholder(sources, tmp_path, capsys):
    config = write_config(tmp_path)
    target = tmp_path / "prompts" / "pl" / "hello.wav"
    write_wav(target)
    marker = target.with_name("hello.wav.placeholder")
    marker.write_text("espeak-ng pl: hello\n")
    assert cmd_prompts(parse(config, "convert", str(sources / "hello.mp3"), "--lang", "pl")) == 0
    assert not marker.exists()
    assert _format(target)[:3] == (8000, 2, 1)
    assert "(replaced a placeholder)" in capsys.readouterr().out


def test_silence_only_is_an_error_naming_the_file(tmp_path, tools):
    quiet = write_wav(tmp_path / "quiet.wav", amplitude=0.0)
    with pytest.raises(ConvertError, match=f"{quiet}: nothing louder than -50 dBFS"):
        convert(quiet, tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


def test_missing_source_is_an_error(tmp_path):
    with pytest.raises(ConvertError, match="no such file"):
        convert(tmp_path / "nope.mp3", tmp_path / "out.wav")


def test_output_dir_and_lang_exclude_each_other(tmp_path):
    with pytest.raises(SystemExit) as exc:
        parse(tmp_path / "c.yaml", "convert", "a.mp3", "-o", "x", "--lang", "pl")
    assert exc.value.code == 2


def test_two_sources_for_one_target_is_an_error(sources, tmp_path, capsys):
    run("ffmpeg", "-loglevel", "error", "-i", str(sources / "menu.ogg"), str(sources / "hello.ogg"))
    args = parse(write_config(tmp_path), "convert", str(sources / "hello.mp3"), str(sources / "hello.ogg"),
                 "-o", str(tmp_path / "out"))
    assert cmd_prompts(args) == 1
    assert "hello.wav is already written from" in capsys.readouterr().err


def test_progress_bar_redraws_one_line_on_a_terminal():
    import io

    from ivr.audio.command import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    bar = Progress(2, "convert", stream, width=4)
    bar.step("a.mp3")
    bar.message("error: b.mp3")
    bar.step("b.mp3")
    bar.close()
    assert stream.getvalue() == ("\r\033[Kconvert [##..] 1/2 a.mp3\r\033[Kerror: b.mp3\n"
                                 "\r\033[Kconvert [####] 2/2 b.mp3\r\033[K")
