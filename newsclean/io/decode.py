"""Turn the bytes of an input into text, or refuse them with a reason.

The aim is that no input is silently garbled: UTF-8, UTF-16 and UTF-32 are recognised (with or
without a byte-order mark for UTF-16), legacy Windows/Latin-1 text is decoded as such, and
anything that looks like binary data is refused with an :class:`InputError` naming the file.
"""

from __future__ import annotations

import codecs
import re

from newsclean.io.errors import InputError

_UTF8_BOM = b"\xef\xbb\xbf"

# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_UNICODE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data; name it *.gz to have it decompressed"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data; name it *.zst to have it decompressed"),
    (b"BZh", "bzip2-compressed data"),
)

# How much of the input sniff_encoding looks at: enough for a stable NUL count.
SNIFF_BYTES = 4096

# C0 controls other than the whitespace ones (tab, LF, VT, FF, CR), and DEL. C1 controls are
# left out on purpose: double-encoded UTF-8 (mojibake the unicode step repairs) is full of them.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# Random bytes decode to about 10% such characters; real text has next to none.
_MAX_CONTROL_SHARE = 0.05

# A well-formed UTF-8 multi-byte sequence: its presence in otherwise invalid UTF-8 means a mix
# of UTF-8 and a legacy encoding (concatenated scrapes), not a wholly legacy file.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

# Windows-1252 with the five bytes it leaves undefined mapped as Latin-1 does (the WHATWG
# "windows-1252"), so it never fails and agrees with Latin-1 on every printable Latin-1 byte.
_CP1252_TABLE = "".join(
    bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(256)
)
_CP1252_FALLBACK = "newsclean.cp1252-fallback"


def _bytes_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode the bytes UTF-8 rejected as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return codecs.charmap_decode(bad, "strict", _CP1252_TABLE)[0], error.end


codecs.register_error(_CP1252_FALLBACK, _bytes_as_cp1252)


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode one input's bytes; return ``(text, encoding)`` or raise :class:`InputError`.

    ``name`` is only used in error messages. The encoding is one of ``utf-8``, ``utf-8-sig``
    (a UTF-8 byte-order mark was dropped), ``utf-16-le``/``-be``, ``utf-32-le``/``-be``,
    ``cp1252`` (also covers Latin-1) or ``utf-8+cp1252`` (UTF-8 with stray Windows-1252 bytes,
    each part decoded as what it is). Line ends are kept as they are.
    """
    codec, mark = sniff_encoding(data, name)
    if codec != "utf-8":
        text = _decode_wide(data[mark:], codec, name, has_mark=mark > 0)
    else:
        # The sniff saw only the head; NUL bytes anywhere make 8-bit data binary.
        if b"\0" in data:
            raise InputError(name, "binary file (contains NUL bytes), not text")
        text, codec = decode_8bit(data[mark:])
        if mark and codec == "utf-8":
            codec = "utf-8-sig"
    _reject_control_heavy(text, name)
    return text, codec


def sniff_encoding(head: bytes, name: str) -> tuple[str, int]:
    """What the first bytes of an input say about it: ``(codec, mark_length)``.

    ``codec`` is a UTF-16/32 codec (from a byte-order mark, or from the NUL pattern of UTF-16
    without one) or ``"utf-8"``, which means 8-bit text: UTF-8, with Windows-1252 for the bytes
    that are not (:func:`decode_8bit`). ``mark_length`` is the length of the byte-order mark to
    skip (a UTF-8 one included). Known binary formats and NUL bytes in 8-bit text raise
    :class:`InputError`. Only the first few KiB matter, so a stream can be sniffed from its
    first chunk.
    """
    for bom, codec in _UNICODE_BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    mark = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    sample = head[mark : mark + SNIFF_BYTES]
    _reject_known_binary(sample, name)
    codec = _utf16_without_bom(sample)
    if codec is not None:
        return codec, mark
    if b"\0" in sample:
        raise InputError(name, "binary file (contains NUL bytes), not text")
    return "utf-8", mark


def decode_8bit(data: bytes) -> tuple[str, str]:
    """Decode 8-bit text: ``(text, "utf-8")`` when it is UTF-8, else ``"utf-8+cp1252"`` (UTF-8
    with stray Windows-1252 bytes, each part decoded as what it is) or ``"cp1252"``; never fails.
    """
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):
        return data.decode("utf-8", errors=_CP1252_FALLBACK), "utf-8+cp1252"
    return codecs.charmap_decode(data, "strict", _CP1252_TABLE)[0], "cp1252"


def _decode_wide(data: bytes, codec: str, name: str, *, has_mark: bool) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        what = f"starts with a {codec} byte-order mark" if has_mark else f"looks like {codec}"
        raise InputError(name, f"{what} but is not valid {codec} ({exc.reason})") from None


def _reject_known_binary(data: bytes, name: str) -> None:
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise InputError(name, f"binary file ({what}), not text")


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a mark, when it is unmistakable: Latin text has a NUL in every other byte."""
    half = len(sample) // 2
    if half < 2:
        return None
    nuls_at_even, nuls_at_odd = sample[0::2].count(0), sample[1::2].count(0)
    if nuls_at_odd > 0.3 * half and nuls_at_even < 0.05 * half:
        return "utf-16-le"
    if nuls_at_even > 0.3 * half and nuls_at_odd < 0.05 * half:
        return "utf-16-be"
    return None


def _reject_control_heavy(text: str, name: str) -> None:
    if not text:
        return
    share = len(_CONTROL_CHARS.findall(text)) / len(text)
    if share > _MAX_CONTROL_SHARE:
        raise InputError(name, f"binary file ({share:.0%} control characters), not text")
