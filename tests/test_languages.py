"""Language codes as users type them: case, region subtags, typos, and a language the text does not read as."""

import pytest

from align.errors import InputError
from align.languages import base_language, language_tag, region_tag

from .conftest import EN, SV

# Danmarks Riges Grundlov (lov nr. 169 af 5. juni 1953), §§ 1-4, as published on retsinformation.dk. Danish
# statutes are not protected by copyright (ophavsretsloven § 9).
GRUNDLOV = """Kapitel I.

§ 1. Denne grundlov gælder for alle dele af Danmarks Rige.

§ 2. Regeringsformen er indskrænket-monarkisk. Kongemagten nedarves til mænd og kvinder efter de i tronfølgeloven \
af 27. marts 1953 fastsatte regler.

§ 3. Den lovgivende magt er hos kongen og folketinget i forening. Den udøvende magt er hos kongen. Den dømmende \
magt er hos domstolene.

§ 4. Den evangelisk-lutherske kirke er den danske folkekirke og understøttes som sådan af staten.
"""


@pytest.mark.parametrize("code, base, tag", [
    ("EN", "en", "en"), ("DA", "da", "da"), ("en-GB", "en", "en-GB"), ("pt_BR", "pt", "pt-BR"),
    ("pt_br.UTF-8", "pt", "pt-BR"), ("zh-hant-tw", "zh", "zh-Hant-TW"), ("deu", "de", "de"), ("ger", "de", "de"),
    ("SWE", "sv", "sv"), ("iw", "he", "he"), ("chr", "chr", "chr"), (" sv ", "sv", "sv"),
])
def test_codes_are_reduced_to_their_language(code, base, tag):
    assert base_language(code) == base
    assert language_tag(code) == tag


@pytest.mark.parametrize("code", ["xx", "XX-GB", "xxx", "und", "english", "e", "", "en--", "12"])
def test_codes_that_name_no_language_are_refused(code):
    with pytest.raises(InputError, match="not a language code"):
        base_language(code, "--src-lang")


def test_region_tag_only_when_the_code_says_more_than_the_language():
    assert region_tag("en_gb") == "en-GB" and region_tag("EN") is None and region_tag(None) is None


def test_upper_case_and_region_codes_give_the_same_alignment_as_plain_ones(tmp_path, run_cli):
    """--src-lang SV --tgt-lang en-GB on the seed press release: the same pairs as sv / en, en-GB in the TMX."""
    plain, odd = tmp_path / "plain.tsv", tmp_path / "odd.tsv"
    proc = run_cli("pair", SV, EN, "-o", plain, "--method", "length", "--src-lang", "sv", "--tgt-lang", "en")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("pair", SV, EN, "-o", odd, "--method", "length", "--src-lang", "SV", "--tgt-lang", "en-GB")
    assert proc.returncode == 0, proc.stderr
    assert "warning:" not in proc.stderr and "(sv) → " in proc.stderr and "(en)" in proc.stderr
    assert odd.read_text("utf-8") == plain.read_text("utf-8")
    tmx = tmp_path / "odd.tmx"
    proc = run_cli("pair", SV, EN, "-o", tmx, "--method", "length", "--src-lang", "sv_se", "--tgt-lang", "EN_gb")
    assert proc.returncode == 0, proc.stderr
    text = tmx.read_text("utf-8")
    assert 'xml:lang="sv-SE"' in text and 'xml:lang="en-GB"' in text


@pytest.mark.parametrize("args", [
    ("pair", SV, EN, "--src-lang", "xx"),
    ("pair", SV, EN, "--src-lang", "xx-GB"),
    ("pair", SV, EN, "--tgt-lang", "english"),
    ("pair", SV, EN, "--src-locale", "xx-XX"),
    ("check", SV, EN, "--tgt-lang", "xx"),
    ("convert", "memory.tsv", "memory.tmx", "--src-lang", "xx", "--tgt-lang", "en"),
])
def test_an_unknown_code_is_one_line_exit_1_before_any_work(tmp_path, args, run_cli):
    args = [tmp_path / a if a in ("memory.tsv", "memory.tmx") else a for a in args]
    out = tmp_path / ("r.html" if args[0] == "check" else "x.tsv")
    extra = [] if args[0] == "convert" else ["-o", out]
    proc = run_cli(*args, *extra)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "not a language code" in proc.stderr, proc.stderr
    assert next(a for a in args if str(a).startswith("--")) in proc.stderr  # the option is named
    assert list(tmp_path.iterdir()) == []  # nothing read (the TSV does not even exist), nothing written


def test_a_language_the_text_does_not_read_as_is_a_warning(tmp_path, run_cli):
    src = tmp_path / "grundlov.da.txt"
    src.write_text(GRUNDLOV, "utf-8")
    out = tmp_path / "x.jsonl"
    proc = run_cli("pair", src, EN, "-o", out, "--method", "length", "--src-lang", "de", "--tgt-lang", "en")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "reads as da, not de" in warnings[0] and "--src-lang" in warnings[0]
    assert out.exists()
    # a confusable neighbour (Norwegian Bokmål for Danish) and the right language are not questioned
    for lang in ("nb", "DA"):
        proc = run_cli("pair", src, EN, "-o", out, "--method", "length", "--src-lang", lang)
        assert proc.returncode == 0 and "warning:" not in proc.stderr, proc.stderr
