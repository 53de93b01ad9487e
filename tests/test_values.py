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


def test_dates_and_times_keep_their_roles():
    assert numbers("4.9.1905") != numbers("9.4.1905")  # day and month swapped
    assert numbers("12. August 1973") != numbers("8 décembre 1973")
    assert numbers("12. August 1973") == numbers("12 août 1973") == numbers("August 12th, 1973")
    assert numbers("um 20.30 Uhr") == numbers("à 20 h 30") == numbers("at 20:30")
    assert numbers("um 20.30 Uhr") != numbers("à 21 h 30")
    assert numbers("on February 21 – 22, 2019") == numbers("21–22 februari 2019")
    assert numbers("( 4.5 km )") == numbers("( 4,5 km )")


def test_swiss_thousands_labelled_phones_and_urls():
    from align.values import spelled_values, urls

    assert numbers("51'547 Besucher") == numbers("51 547 visiteurs")
    assert phones("Telefon 031/433611") == phones("téléphone 031/43 36 11") == {"031433611"}
    assert not numbers("Telefon 031/433611")
    assert urls("see https://www.slf.ch/") == urls("voir www.slf.ch")
    assert spelled_values("Um fünf Uhr des sechsten Tages") == {"5", "6"}
