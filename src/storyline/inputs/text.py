"""Bytes to text: the size limit, binary files, encodings, and what kind of document a file holds.

Every input is untrusted: whatever cannot be read raises ``InputError`` with the reason shown to the user.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from storyline.inputs.suffixes import HTML_SUFFIXES, RECORD_SUFFIXES, TEXT_SUFFIXES


STDIN = "-"
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|article|div|p)\b", re.I | re.S)
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


class InputError(Exception):
    """An input that cannot be analysed; the message is the reason shown to the user."""


def read_bytes(source: str, max_bytes: int) -> bytes:
    if source == STDIN:
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        path = Path(source)
        try:
            if not path.is_file():
                raise InputError("not found" if not path.exists() else "not a regular file")
            if path.stat().st_size > max_bytes:
                raise InputError(f"too large: {path.stat().st_size} bytes (limit {max_bytes}, see --max-bytes)")
            data = path.read_bytes()
        except PermissionError:
            raise InputError("unreadable: permission denied") from None
        except OSError as error:
            raise InputError(f"unreadable: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise InputError(f"too large: more than {max_bytes} bytes (see --max-bytes)")
    if not data.strip():
        raise InputError("empty")
    return data


def kind_of(source: str, data: bytes) -> str:
    suffix = Path(source).suffix.lower() if source != STDIN else ""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("binary file (contains NUL bytes)")
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in RECORD_SUFFIXES:
        return "records"
    if suffix in TEXT_SUFFIXES:
        return "text"
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "records"
    return "html" if _HTML_START.match(data[:4096]) else "text"


def decode(data: bytes, kind: str) -> str:
    return decode_noted(data, kind)[0]


def decode_noted(data: bytes, kind: str) -> tuple[str, str | None]:
    """The text, and a warning for the article when it was not UTF-8 and no charset was declared
    (the encoding was then guessed: see :func:`guess_encoding`)."""
    note = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_with(data, "utf-16"), None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        declared = _DECLARED_CHARSET.search(data[:4096]) if kind == "html" else None
        if declared is not None:
            text = decode_with(data, declared.group(1).decode("ascii", "replace"))
        else:
            encoding, how = guess_encoding(data)
            text = data.decode(encoding)
            note = (f"not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}) and no charset declared: "
                    f"decoded as {encoding} ({how})")
    if control_ratio(text) > 0.05:
        raise InputError("binary file (mostly control characters)")
    return text, note


# Near the best guess's "chaos" (charset-normalizer's mess score), cp1252 wins: it is what
# Western pages without a declared charset almost always are, and short texts often fit
# cp1250 or iso8859-14 just as well by the numbers while meaning cp1252.
_NEAR_BEST = 0.02


def guess_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, how it was chosen) for bytes that are not UTF-8: charset-normalizer's best
    guess (cp1252 among near-equals), else cp1252, else latin-1 (which decodes anything)."""
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    if results:
        best = min(result.chaos for result in results)
        near = [result for result in results if result.chaos <= best + _NEAR_BEST]
        if any("cp1252" in result.could_be_from_charset for result in near):
            return "cp1252", "charset-normalizer"
        return near[0].encoding, "charset-normalizer"
    try:
        data.decode("cp1252")
        return "cp1252", "fallback"
    except UnicodeDecodeError:
        return "latin-1", "fallback"


def decode_with(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise InputError(f"undecodable: not valid {encoding}") from None


def control_ratio(text: str) -> float:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(1, len(sample))

