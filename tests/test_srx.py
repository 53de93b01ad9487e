"""Our SRX 2.0 engine (align/srx.py): rule order, cascading, Java regex dialect, bad files."""

import pytest

from align.errors import InputError
from align.segment import Segmentation, segment
from align.srx import SrxRules, java_regex

SRX = """<?xml version="1.0" encoding="UTF-8"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
  <header segmentsubflows="yes" cascade="{cascade}"/>
  <body>
    <languagerules>
      <languagerule languagerulename="Swedish">
        <rule break="no"><beforebreak>\\bbl\\.a\\.</beforebreak><afterbreak>\\s</afterbreak></rule>
      </languagerule>
      <languagerule languagerulename="Default">
        <rule break="no"><beforebreak>\\.\\.\\.</beforebreak><afterbreak>\\s+\\P{{Lu}}</afterbreak></rule>
        <rule break="yes"><beforebreak>[\\.\\?\\!]+</beforebreak><afterbreak>\\s</afterbreak></rule>
      </languagerule>
    </languagerules>
    <maprules>
      <languagemap languagepattern="SV.*" languagerulename="Swedish"/>
      <languagemap languagepattern=".*" languagerulename="Default"/>
    </maprules>
  </body>
</srx>
"""


def _rules(tmp_path, cascade="yes", text=None):
    path = tmp_path / "r.srx"
    path.write_text(text if text is not None else SRX.format(cascade=cascade), "utf-8")
    return SrxRules.load(path)


def test_first_matching_rule_decides_and_rules_cascade(tmp_path):
    rules = _rules(tmp_path)
    text = "Vi talade bl.a. om vädret. Sedan gick vi... hem. Slut!"
    assert rules.segments(text, "sv") == ["Vi talade bl.a. om vädret.", "Sedan gick vi... hem.", "Slut!"]
    assert rules.segments(text, "SV-se") == rules.segments(text, "sv")  # codes match case-insensitively
    assert rules.segments(text, "en")[0] == "Vi talade bl.a."  # no Swedish exception for English


def test_without_cascade_only_the_first_map_applies(tmp_path):
    rules = _rules(tmp_path, cascade="no")
    assert rules.segments("En mening. En till.", "sv") == ["En mening. En till."]  # Swedish rules have no break
    assert rules.segments("One. Two.", "en") == ["One.", "Two."]


def test_java_whitespace_and_trimming(tmp_path):
    rules = _rules(tmp_path)
    # Java's \\s is ASCII: a no-break space after a full stop does not end a segment
    assert rules.segments("Kl.\u00a010 börjar det. Sedan  slutar det.  ", "en") == [
        "Kl.\u00a010 börjar det.", "Sedan  slutar det."]
    assert rules.split("  A. B.", "en") == [(2, 4), (5, 7)]


def test_java_regex_translation():
    assert java_regex(r"\s") == "[ \\t\\n\\x0B\\f\\r]"
    assert java_regex(r"[\s\d]") == "[ \\t\\n\\x0B\\f\\r0-9]"
    assert java_regex(r"\Qa.b\E") == r"a\.b"
    assert java_regex(r"(?U)\p{Lu}\h") == r"\p{Lu}\p{H}"


@pytest.mark.parametrize("text, message", [
    ("<srx", "malformed SRX"),
    ("<notsrx/>", "not an SRX file"),
    (SRX.format(cascade="yes").replace('languagepattern="SV.*" languagerulename="Swedish"',
                                       'languagepattern="SV.*" languagerulename="Nowhere"'), "unknown languagerule"),
    (SRX.format(cascade="yes").replace("[\\.\\?\\!]+", "[unclosed"), "cannot read"),
    (SRX.format(cascade="yes").split("<maprules>")[0] + "</body></srx>", "no <languagemap>"),
])
def test_bad_srx_is_one_line_input_error(tmp_path, text, message):
    with pytest.raises(InputError, match=message) as info:
        _rules(tmp_path, text=text)
    assert "\n" not in str(info.value)


def test_entities_are_never_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    text = SRX.format(cascade="yes").replace('<?xml version="1.0" encoding="UTF-8"?>',
                                             f'<?xml version="1.0"?><!DOCTYPE srx [<!ENTITY x SYSTEM "file://{secret}">]>')
    text = text.replace("\\bbl\\.a\\.", "&x;")
    rules = _rules(tmp_path, text=text)
    assert all("TOP SECRET" not in r.before for rs in rules.rules.values() for r in rs)


def test_segmentation_options(tmp_path):
    path = tmp_path / "r.srx"
    path.write_text(SRX.format(cascade="yes"), "utf-8")
    text = "Vi talade bl.a. om vädret. Sedan gick vi hem.\n\nNytt stycke. Två meningar."
    srx = Segmentation.make("sentence", path)
    assert [s.text for s in segment(text, "sv", seg=srx)[1]] == [
        "Vi talade bl.a. om vädret.", "Sedan gick vi hem.", "Nytt stycke.", "Två meningar."]
    # --srx-lang: the source side looks up other rules than its language's
    assert [s.text for s in segment(text, "sv", seg=srx.with_lang("en"))[1]][0] == "Vi talade bl.a."
    paras = Segmentation.make("paragraph")
    assert [s.text for s in segment(text, "sv", seg=paras)[1]] == [
        "Vi talade bl.a. om vädret. Sedan gick vi hem.", "Nytt stycke. Två meningar."]
    with pytest.raises(InputError):
        Segmentation.make("paragraph", path)
    with pytest.raises(InputError):
        Segmentation.make("sentence", None, "sv")
    with pytest.raises(InputError):
        Segmentation.make("chapter")
    with pytest.raises(InputError, match="no such SRX"):
        Segmentation.make("sentence", tmp_path / "missing.srx")
