from align.values import damaged, emails, numbers, phones


def test_dates_compare_across_languages():
    assert numbers("24.5.2017") == numbers("24 May 2017") == numbers("24 maj 2017")
    assert numbers("den 30–31 maj 2017") == numbers("on 30–31 May 2017")
    assert numbers("за 2018 г. на") == numbers("in 2018")
    assert numbers("24 May 2017") != numbers("25 May 2017")


def test_number_formats():
    assert numbers("10 000") == numbers("10,000") == numbers("10.000") == numbers("10\u00a0000")
    assert numbers("2,5 %") == numbers("2.5%")
    assert numbers("007") == numbers("7")


def test_phones_ignore_spacing_and_are_not_numbers():
    a = "tfn +358 50\u00a0344 2844"
    b = "tel. +358 50 344 2844"
    assert phones(a) == phones(b) == {"+358503442844"}
    assert not numbers(a)


def test_emails_and_crawler_placeholders():
    assert emails("formen fornamn.efternamn@formin.fi.") == {"fornamn.efternamn@formin.fi"}
    assert damaged("Director General, [email\u00a0protected]") == ["[email\u00a0protected]"]
    assert not emails("[email protected]")
