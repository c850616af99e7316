import codecs
import gzip

import pytest

from newsclean.io import InputError, decode_bytes

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"

DECODED = [
    # (label, raw bytes, expected text, expected encoding)
    ("utf-8", "naïve “quotes”\n".encode(), "naïve “quotes”\n", "utf-8"),
    ("utf-8 keeps CRLF", b"one\r\ntwo\r\n", "one\r\ntwo\r\n", "utf-8"),
    ("utf-8 with BOM", codecs.BOM_UTF8 + "é\n".encode(), "é\n", "utf-8-sig"),
    (
        "utf-16-le BOM",
        codecs.BOM_UTF16_LE + "Zürich\n".encode("utf-16-le"),
        "Zürich\n",
        "utf-16-le",
    ),
    (
        "utf-16-be BOM",
        codecs.BOM_UTF16_BE + "Zürich\n".encode("utf-16-be"),
        "Zürich\n",
        "utf-16-be",
    ),
    ("utf-32-le BOM", codecs.BOM_UTF32_LE + "привет".encode("utf-32-le"), "привет", "utf-32-le"),
    ("utf-32-be BOM", codecs.BOM_UTF32_BE + "привет".encode("utf-32-be"), "привет", "utf-32-be"),
    (
        "utf-16-le, no BOM",
        "Plain news text.\n".encode("utf-16-le"),
        "Plain news text.\n",
        "utf-16-le",
    ),
    (
        "utf-16-be, no BOM",
        "Plain news text.\n".encode("utf-16-be"),
        "Plain news text.\n",
        "utf-16-be",
    ),
    ("cp1252", b"caf\xe9 \x93quoted\x94", "café “quoted”", "cp1252"),
    ("latin-1", "Zürich Straße, señor".encode("latin-1"), "Zürich Straße, señor", "cp1252"),
    ("cp1252 undefined byte", b"caf\xe9 \x81", "café \x81", "cp1252"),
    ("utf-8 with stray cp1252", "“ok” ".encode() + b"caf\xe9", "“ok” café", "utf-8+cp1252"),
    # Double-encoded UTF-8 is full of C1 controls and must reach the unicode repair step.
    ("mojibake is text", "Ð¿Ñ\x80Ð¸Ð²ÐµÑ\x82".encode(), "Ð¿Ñ\x80Ð¸Ð²ÐµÑ\x82", "utf-8"),
    ("empty", b"", "", "utf-8"),
    ("whitespace only", b" \n\t\n", " \n\t\n", "utf-8"),
]


@pytest.mark.parametrize(
    ("raw", "text", "encoding"), [c[1:] for c in DECODED], ids=[c[0] for c in DECODED]
)
def test_decodes_text_in_any_supported_encoding(raw, text, encoding):
    assert decode_bytes(raw, "in.txt") == (text, encoding)


REFUSED = [
    # (label, raw bytes, fragment of the message)
    ("PNG", PNG_HEADER, "binary file (a PNG image)"),
    ("GIF", b"GIF89a\x01\x00\x01\x00", "a GIF image"),
    ("JPEG", b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
    ("PDF", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
    ("ZIP", b"PK\x03\x04\x14\x00\x00\x00", "a ZIP archive"),
    ("gzip", gzip.compress(b"hello"), "gzip-compressed data; name it *.gz"),
    ("zstd", b"\x28\xb5\x2f\xfd\x00\x00", "zstd-compressed data; name it *.zst"),
    ("NUL bytes", b"looks like text\x00\x01\x02\x03 but is not", "contains NUL bytes"),
    ("control characters", bytes(range(1, 9)) * 20 + b" some words", "control characters"),
    (
        "utf-16 BOM, lone surrogate",
        codecs.BOM_UTF16_LE + b"a\x00\x00\xd8",
        "utf-16-le byte-order mark",
    ),
]


@pytest.mark.parametrize(("raw", "fragment"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refuses_binary_with_a_one_line_message_naming_the_file(raw, fragment):
    with pytest.raises(InputError) as caught:
        decode_bytes(raw, "dir/in.txt")
    message = str(caught.value)
    assert message.startswith("dir/in.txt: ")
    assert fragment in message
    assert "\n" not in message
    assert caught.value.path == "dir/in.txt"
    assert caught.value.line is None
