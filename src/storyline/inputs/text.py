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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_with(data, "utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        declared = _DECLARED_CHARSET.search(data[:4096]) if kind == "html" else None
        if declared is None:
            raise InputError(
                f"undecodable: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}) "
                "and no charset declared"
            ) from None
        text = decode_with(data, declared.group(1).decode("ascii", "replace"))
    if control_ratio(text) > 0.05:
        raise InputError("binary file (mostly control characters)")
    return text


def decode_with(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise InputError(f"undecodable: not valid {encoding}") from None


def control_ratio(text: str) -> float:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(1, len(sample))

