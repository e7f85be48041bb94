"""No input value reaches the terminal raw: billing values, file and column
names, and the database messages that quote them are printed by `arpu
build`, `arpu load` and `arpu report` with their control characters
escaped (ESC as \\x1b, CR as \\r, U+202E as \\u202e), and ordinary
non-ASCII text left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from arpu.text import printable, printable_lines


# --- the helper --------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    ("media\x1b[8m", "media\\x1b[8m"),
    ("\x1b]0;PWNED\x07\x1b[2J\x1b[H", "\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[H"),
    ("a\rb\nc\td", "a\\rb\\nc\\td"),
    ("\x00\x1f\x7f", "\\x00\\x1f\\x7f"),
    ("\x80\x85\x9b\x9f", "\\x80\\x85\\x9b\\x9f"),
    ("abc\u202efed\u202c", "abc\\u202efed\\u202c"),
    ("\u2066x\u2069 \u200e\u200f\u061c", "\\u2066x\\u2069 \\u200e\\u200f\\u061c"),
    ("line\u2028next\u2029", "line\\u2028next\\u2029"),
    ("bad byte \udc9b", "bad byte \\udc9b"),
    ("café Zürich 日本 🚀 naïve ½ \u00a0", "café Zürich 日本 🚀 naïve ½ \u00a0"),
    ("", ""),
])
def test_printable_escapes_controls_and_keeps_text(value, shown):
    assert printable(value) == shown


def test_printable_takes_any_value():
    assert printable(Path("/data/\x1b[2J")) == "/data/\\x1b[2J"
    assert printable(None) == "None"
    assert printable(12) == "12"


def test_printable_lines_keeps_only_line_breaks():
    assert printable_lines("one\ntwo\r\x1b[2Kthree\n") == "one\ntwo\\r\\x1b[2Kthree\n"
    assert printable_lines("a\u2028b\x9b") == "a\\u2028b\\x9b"
