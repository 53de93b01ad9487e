import codecs

import pytest

from align.documents import clean_text, decode, read_text
from align.errors import InputError


def test_utf8_and_utf16_with_bom_decode_to_the_same_text():
    text = "Pressmeddelande 99/2017\nÖstersjöstaternas råd"
    assert decode(text.encode("utf-8"), "x") == text
    assert decode(codecs.BOM_UTF8 + text.encode("utf-8"), "x") == text
    assert decode(text.encode("utf-16"), "x") == text  # Python writes a BOM
    assert decode(codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "x") == text


def test_windows_1252_is_decoded_and_noise_is_refused_with_the_offset():
    assert decode("Östersjöstaternas råd – ”bra”".encode("cp1252"), "f.txt") == "Östersjöstaternas råd – ”bra”"
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 0x9d at offset 3\)"):
        decode(b"abc\x9d\x81\x8f\x90 \x9dx", "f.txt")
    with pytest.raises(InputError, match="this is a PDF"):
        decode(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>", "scan.pdf")


def test_binary_and_empty_files_are_refused(tmp_path):
    (tmp_path / "bin").write_bytes(b"\x00\x01\x02abc")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "blank").write_text(" \n\t\n")
    with pytest.raises(InputError, match="binary"):
        read_text(tmp_path / "bin")
    with pytest.raises(InputError, match="empty"):
        read_text(tmp_path / "empty")
    with pytest.raises(InputError, match="empty"):
        read_text(tmp_path / "blank")
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "missing")
    with pytest.raises(InputError, match="not a regular file"):
        read_text(tmp_path)


def test_clean_text_composes_and_collapses_but_keeps_no_break_spaces():
    decomposed = "Pimia\u0308 \n  tfn +358 50\u00a0344"
    assert clean_text(decomposed) == "Pimiä tfn +358 50\u00a0344"
