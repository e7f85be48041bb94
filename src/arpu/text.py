"""Text for the terminal: input values (billing data, file and column
names, database messages that quote them) printed so that they cannot
drive it. A terminal acts on control characters (ESC starts a sequence
that can clear the screen, retitle the window or hide what follows; CR
overwrites a line) and bidi overrides reorder what is shown; each is
printed as a visible escape such as `\\x1b`, `\\r` or `\\u202e` instead.
Other text, accents, CJK and emoji included, is left as it is.

And numbers as the summary and the report print them (money, percent)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# Besides C0 controls: DEL, C1 controls (U+009B alone is a CSI to some
# terminals), the Arabic letter mark, the bidi marks, line and paragraph
# separators, embeddings and overrides, isolates, and lone surrogates (the
# undecodable bytes of a file name, which stdout would refuse or write raw).
_UNSAFE_ABOVE_C0 = r"\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_IN_VALUE = re.compile(rf"[\x00-\x1f{_UNSAFE_ABOVE_C0}]")
_UNSAFE_IN_MESSAGE = re.compile(rf"[\x00-\x09\x0b-\x1f{_UNSAFE_ABOVE_C0}]")
_SHORT_FORMS = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match) -> str:
    character = match.group()
    code = ord(character)
    if character in _SHORT_FORMS:
        return _SHORT_FORMS[character]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """`str(value)` with every control character escaped, a newline and a
    CR included: a value stays on its line and cannot overwrite one."""
    return _UNSAFE_IN_VALUE.sub(_escaped, str(value))


def printable_lines(message: str) -> str:
    """A whole message as printable(), except that its line breaks stay
    line breaks: the last guard before a message reaches the terminal."""
    return _UNSAFE_IN_MESSAGE.sub(_escaped, message)


def os_error_text(error: OSError, fallback) -> str:
    """One line for an operating-system error: the file, then the reason."""
    return f"{printable(error.filename or fallback)}: {printable(error.strerror or error)}."


# --- numbers, as the summary and the report print them ------------------------


def money(value) -> str:
    """Two places, half up, as people round money (floats via their
    shortest repr, so 90.845 shows as 90.85); ratios of money alike."""
    if value is None:
        return "-"
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return f"{exact.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def percent(value) -> str:
    """A fraction as a signed percentage with one place: 0.0512 is +5.1%."""
    return f"{float(value) * 100:+.1f}%"


def first_line(error: BaseException) -> str:
    """An error's first line, for a one-line message (its type's name when
    it says nothing)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
