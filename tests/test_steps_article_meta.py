"""Metadata read from the text: dates (DateReader, dateline), bylines, headlines, language,
and how render_text writes them so that a record's text cleans back to the same record.

Every input here is written for the test.
"""

import pytest
from conftest import BUDGET_STORY, DOCUMENT_PIPELINE
from hypothesis import given, settings
from hypothesis import strategies as st

import newsclean
from newsclean.patterns import load_phrasebook
from newsclean.record import Block, Document, Removal, render_text
from newsclean.steps import Headline, Paragraphs
from newsclean.steps.article_meta import Byline, _body_ends, _has_digit, _is_body, detect_language
from newsclean.steps.base import Draft
from newsclean.steps.dates import DateReader, iso_date
from newsclean.steps.shape import content_words

BODY = "\n\n".join(BUDGET_STORY)
NAV = "\n".join(["Home", "World", "Politics", "Business", "Sport", "Culture", "Opinion"])
FOOTER = "\n".join(["About us", "Contact", "Privacy policy", "Terms of use"])


def clean(text, **kwargs):
    return newsclean.clean(text, pipeline=DOCUMENT_PIPELINE, **kwargs)


def clean_one(text, **kwargs):
    records = clean(text, **kwargs)
    assert len(records) == 1, [r.text for r in records]
    return records[0]


def removed(record, step):
    return [r.text for r in record.removed if r.step == step]


def page(*head, foot=()):
    """A scraped page: navigation, the head lines given, the story, a footer."""
    return "\n".join([NAV, *head, *BUDGET_STORY, *foot, FOOTER]) + "\n"


# --- DateReader ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reader():
    return DateReader(load_phrasebook())


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("March 4, 2021", "2021-03-04"),
        ("Mar. 4th 2021", "2021-03-04"),
        ("4 March 2021", "2021-03-04"),
        ("Published 9:15 AM EST, Thu March 4, 2021", "2021-03-04T09:15-05:00"),
        ("Updated 7:02 p.m. ET Mar. 4, 2021", "2021-03-04T19:02"),
        ("4 de marzo de 2021 a las 18:40", "2021-03-04T18:40"),
        ("4. März 2021, 18:40 Uhr", "2021-03-04T18:40"),
        ("le 4 mars 2021 à 18h40", "2021-03-04T18:40"),
        ("4 de março de 2021", "2021-03-04"),
        ("4 marzo 2021 alle ore 18:40", "2021-03-04T18:40"),
        ("4 марта 2021 г., 18:40", "2021-03-04T18:40"),
        ("04.03.2021 18:40", "2021-03-04T18:40"),
        ("Thu 4 Mar 2021 18.40 CET", "2021-03-04T18:40+01:00"),
        ("2021-03-04T18:40:05Z", "2021-03-04T18:40:05+00:00"),
        ("2021-03-04T18:40:05-07:00", "2021-03-04T18:40:05-07:00"),
        ("03/24/2021", "2021-03-24"),  # only one way round is a date
        ("24/03/2021", "2021-03-24"),
        ("03/04/21 6:40 PM ET", "2021-03-04T18:40"),  # am/pm and ET: month first
        ("03/04/2021 18:40", "2021-04-03T18:40"),  # otherwise day first
        ("2021年3月4日", "2021-03-04"),
        ("posted on 2021-03-04 18:40 EST by Jane Rowlands", "2021-03-04T18:40-05:00"),
        ("03/04/21 6:40pm", "2021-03-04T18:40"),  # am/pm glued to the time: month first
        ("Mar 4, 2021 at6:40 pm", "2021-03-04T18:40"),
        ("Mar 4, 2021 | 18:40", "2021-03-04T18:40"),
    ],
)
def test_date_reader_reads_a_date_and_its_time(reader, line, value):
    (found,) = reader.find(line)
    assert found.value == value


def test_date_reader_reads_dates_glued_to_the_text_around_them(reader):
    # scrapers drop the spaces between page elements
    assert [d.value for d in reader.find("Mar 4, 2021 6:40 PMTopics")] == ["2021-03-04T18:40"]
    assert reader.find("Mar 4, 2021 1:00 AMMar 5, 2021")[0].value == "2021-03-04T01:00"
    # "pm" glued to a word in lower case is no time
    assert [d.value for d in reader.find("Mar 4, 2021 6:40 pmol")] == ["2021-03-04T06:40"]
    assert [d.value for d in reader.find("Jane RowlandsMarch 4, 20219:15 AM")] == [
        "2021-03-04T09:15"
    ]
    assert [d.value for d in reader.find("Posted 4 Mar 20214 Mar 2021")] == ["2021-03-04"]
    assert [d.value for d in reader.find("18:40 04.03.2021Share")] == ["2021-03-04T18:40"]
    # a counter glued to the year ("4 Shares"): a year written with its month has four digits
    assert [d.value for d in reader.find("Jane RowlandsMar 04, 202112 Shares")] == ["2021-03-04"]
    assert [d.value for d in reader.find("4. März 20213 Kommentare")] == ["2021-03-04"]


@pytest.mark.parametrize(
    "line",
    [
        "Version 2.4 shipped in 2021",
        "The vote was 12 to 3",
        "Tickets cost 12.50 each",
        "2021-02-30",
        "5 hours ago",
        "May 2021 was the wettest on record",
    ],
)
def test_date_reader_finds_no_date(reader, line):
    assert reader.find(line) == []


# Dates with and without a year of four digits, times, and numbers that are not dates.
_DATE_PIECES = st.sampled_from(
    [
        "March 4, 2021",
        "4 de marzo de 1999",
        "1999-03-04",
        "04.03.2021",
        "03/04/21",
        "3-4-99",
        "2021年3月4日",
        "Thu ",
        " 18:40",
        " 6:40 PM ET",
        "T18:40Z",
        "4",
        "19",
        "20",
        "2021",
        "/",
        "-",
        ".",
        ", ",
        " ",
        "Version 2.4",
        "12 to 3",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_DATE_PIECES, max_size=12).map("".join))
def test_a_line_without_a_year_is_only_run_through_the_numeric_dates(reader, text):
    from unittest import mock

    import regex

    from newsclean.steps import dates

    everywhere = regex.compile("")  # every pattern, whether the line has a year or not
    with mock.patch.object(dates, "_A_YEAR", everywhere):
        expected = reader.find(text)
    assert reader.find(text) == expected


def test_iso_date_is_the_form_newsclean_writes():
    assert iso_date("2021-03-04") == "2021-03-04"
    assert iso_date("2021-03-04 18:40") == "2021-03-04T18:40"
    assert iso_date("2021-03-04T18:40:05.120Z") == "2021-03-04T18:40:05+00:00"
    assert iso_date("2021-13-04") is None


# --- dateline ------------------------------------------------------------------------------


def test_dateline_above_the_body_is_created_and_leaves_the_text():
    text = page(
        "Budget row deepens as partners clash",
        "By Jane Rowlands",
        "Published 9:15 AM EST, Thu March 4, 2021",
    )
    record = clean_one(text)
    assert record.created == "2021-03-04T09:15-05:00"
    assert "2021" not in record.text


def test_dateline_prefers_the_publication_to_the_update():
    text = page(
        "Budget row deepens as partners clash", "Updated: March 6, 2021 | Published: March 4, 2021"
    )
    assert clean_one(text).created == "2021-03-04"


def test_dateline_kept_in_the_text_is_removed_with_its_reason():
    text = "March 4, 2021\n\n" + BODY
    record = clean_one(text)
    assert record.created == "2021-03-04"
    assert record.text == BODY
    (removal,) = [r for r in record.removed if r.step == "dateline"]
    assert removal.reason == "dateline; kept as created=2021-03-04"


def test_a_date_in_a_sentence_or_caption_is_not_the_articles():
    caption = "Protesters outside parliament on March 1, 2021. Photo: Jan Kowalski/Agency"
    sentence = (
        "The committee first met on February 2, 2021, and has since held a dozen "
        "hearings on the budget."
    )
    record = clean_one(caption + "\n\n" + BODY + "\n\n" + sentence)
    assert record.created is None
    assert sentence in record.text


def test_a_byline_with_the_date_in_it_gives_the_date():
    # the names are no sentence around the date, below the body's first line too
    record = clean_one(
        "Budget row deepens as partners clash\n"
        + BUDGET_STORY[0]
        + "\nBy Jane Rowlands and Tom Okafor on March 4, 2021\n"
        + "\n".join(BUDGET_STORY[1:])
    )
    assert record.created == "2021-03-04"
    assert record.metadata["authors"] == ["Jane Rowlands", "Tom Okafor"]


def test_a_long_byline_ending_with_the_time_is_no_body_paragraph():
    line = (
        "By Jane Rowlands and Tom Okafor Treasury Staff and Political Correspondent,"
        "Updated March 4, 2021, 6:40 p.m."
    )
    record = clean_one(page("Budget row deepens as partners clash", line))
    assert record.created == "2021-03-04T18:40"
    assert record.metadata["authors"][0] == "Jane Rowlands"


def test_a_date_under_the_standfirst_and_an_authors_note_is_read():
    standfirst = "Ministers trade blame over a shortfall that has grown since the spring, and more."
    note = "By Jane Rowlands, who has covered the treasury and its budgets for a decade now."
    record = clean_one(page(standfirst, note, "Mar 4, 2021, 6:40 PM UTC|"))
    assert record.created == "2021-03-04T18:40+00:00"


def test_a_labelled_date_far_above_the_body_is_read():
    menu = "\n".join(f"Section {k}" for k in range(60))
    text = "Updated on March 4, 2021 6:40 PM\n" + menu + "\n" + page()
    assert clean_one(text).created == "2021-03-04T18:40"
    unlabelled = "March 1, 2021\n" + menu + "\n" + page()
    assert clean_one(unlabelled).created is None


def test_a_labelled_date_among_blurbs_that_read_as_body_is_read():
    # three blurbs of the site's sections read as the first body paragraphs, so the "Posted
    # on" line under them is neither above the body nor among its first lines
    blurbs = [
        "Ideas for a calmer home and a healthier, happier week ahead of you.",
        "Trips worth taking, places to eat and the sights to see in cities across the world.",
        "News, politics and culture from around the country, and the stories that matter.",
    ]
    text = "\n".join([NAV, *blurbs, "Money", "Posted on Mar 4, 2021", *BUDGET_STORY, FOOTER])
    assert clean_one(text).created == "2021-03-04"
    # unlabelled, such a date is no more the article's than any other date in the text
    unlabelled = text.replace("Posted on Mar 4, 2021", "Mar 4, 2021")
    assert clean_one(unlabelled).created is None


def test_a_date_the_input_has_is_kept():
    record = clean_one("March 4, 2021\n\n" + BODY, metadata={"created": "2020-01-01"})
    assert record.created == "2020-01-01"
    assert record.text == BODY


# --- byline --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def byline():
    return Byline()


def test_the_signature_of_an_embedded_post_is_no_byline(byline):
    assert byline.read("— Jane Rowlands (@janer) March 4, 2021") is None


def test_an_editor_is_no_byline_a_dated_post_is(byline):
    assert byline.read("Edited by Tom Okafor") is None
    assert byline.read("Posted on March 4, 2021 by Jane Rowlands") == (("Jane Rowlands",), "cue")


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By Jane Rowlands and Tom Okafor", ["Jane Rowlands", "Tom Okafor"]),
        ("BY JANE ROWLANDS", ["JANE ROWLANDS"]),
        ("Written by Jane Rowlands, Staff Writer", ["Jane Rowlands"]),
        ("By Jane Rowlands, Tom Okafor and Li Wei", ["Jane Rowlands", "Tom Okafor", "Li Wei"]),
        ("By Jane Rowlands | March 4, 2021 9:15 AM", ["Jane Rowlands"]),
        ("Por María José Pérez y Luis García", ["María José Pérez", "Luis García"]),
        ("Von Anna Becker und Jonas Vogel", ["Anna Becker", "Jonas Vogel"]),
        ("Par Claire Dubois et Marc Lefèvre", ["Claire Dubois", "Marc Lefèvre"]),
        ("Por Ana Sousa e Rui Costa", ["Ana Sousa", "Rui Costa"]),
        ("Di Giulia Romano e Marco Bassi", ["Giulia Romano", "Marco Bassi"]),
        ("Автор: Ольга Смирнова", ["Ольга Смирнова"]),
        ("Jane Rowlands, Senior Correspondent", ["Jane Rowlands"]),
        ("Jane Rowlands - March 4, 2021", ["Jane Rowlands"]),
        ("By Jane Rowlands For The Daily Example", ["Jane Rowlands"]),
        ("By Jane Rowlands jane@example.com @janer", ["Jane Rowlands"]),
        ("Jane RowlandsStaff Writer", ["Jane Rowlands"]),
        ("ByJane Rowlands", ["Jane Rowlands"]),
        ("Jane Rowlands 3 hours ago", ["Jane Rowlands"]),
        ("Jane Rowlands 2h", ["Jane Rowlands"]),
        ("By Jane Rowlands DAILY EXAMPLE", ["Jane Rowlands"]),
        ("By John Smith III", ["John Smith III"]),
        ("Jane RowlandsPolitics - March 4, 2021", ["Jane Rowlands"]),  # a label glued to it
        ("By Ann McCartney and Rob MacKenzie", ["Ann McCartney", "Rob MacKenzie"]),
    ],
)
def test_byline_names(byline, line, names):
    read = byline.read(line)
    assert read is not None
    assert list(read[0]) == names


@pytest.mark.parametrize(
    "line",
    [
        "Share this article",
        "Sign up for our newsletter",
        "The minister said the plan would be presented by the end of the month.",
        "By the numbers",
    ],
)
def test_not_a_byline(byline, line):
    assert byline.read(line) is None


def test_byline_goes_to_metadata_authors_and_leaves_the_text():
    text = "By Jane Rowlands and Tom Okafor\n\n" + BODY
    record = clean_one(text)
    assert record.metadata["authors"] == ["Jane Rowlands", "Tom Okafor"]
    assert record.text == BODY
    assert removed(record, "byline") == ["By Jane Rowlands and Tom Okafor"]


def test_byline_at_the_foot_of_the_article():
    record = clean_one(BODY + "\n\nJane Rowlands, Political Correspondent")
    assert record.metadata["authors"] == ["Jane Rowlands"]
    assert record.text == BODY


def test_names_beside_a_date_are_a_byline():
    record = clean_one(
        page("Budget row deepens as partners clash", "Jane Rowlands", "March 4, 2021")
    )
    assert record.metadata["authors"] == ["Jane Rowlands"]


@pytest.mark.parametrize(
    ("cue", "names", "expected"),
    [
        ("By", "Jane Rowlands", ["Jane Rowlands"]),
        ("BY", "Jane Rowlands, Tom Okafor", ["Jane Rowlands", "Tom Okafor"]),
        ("Por", "Juana Rolando", ["Juana Rolando"]),
        ("Von", "Johanna Roland", ["Johanna Roland"]),
        ("Par", "Claire Dubois", ["Claire Dubois"]),
    ],
)
def test_a_byline_word_alone_on_the_line_above_the_names(cue, names, expected):
    record = clean_one(page("Budget row deepens as partners clash", cue, names))
    assert record.metadata["authors"] == expected
    assert cue not in record.text.split("\n\n")


def test_names_beside_a_figure_of_hours_are_not_a_byline():
    record = clean_one(page("Budget Desk", "Jane Rowlands works 15 hours a week on it"))
    assert "authors" not in record.metadata


def test_names_alone_are_not_a_byline():
    # two capitalised words read like a name, but without a byline word, a job title or a
    # date next to them they are as likely a menu item
    record = clean_one(page("Home Theater", "Budget row deepens as partners clash"))
    assert "authors" not in record.metadata


def test_authors_the_input_has_are_kept():
    record = clean_one("By Jane Rowlands\n\n" + BODY, metadata={"authors": ["A. N. Other"]})
    assert record.metadata["authors"] == ["A. N. Other"]
    assert record.text == BODY


# --- headline ------------------------------------------------------------------------------


def test_headline_above_byline_and_date_is_the_title():
    title = "Budget row deepens as coalition partners clash"
    record = clean_one(page(title, "By Jane Rowlands", "March 4, 2021"))
    assert record.metadata["title"] == title
    assert record.metadata["authors"] == ["Jane Rowlands"]
    assert record.created == "2021-03-04"
    assert record.text == BODY


def test_headline_is_not_a_navigation_item_or_furniture():
    title = "Budget row deepens as coalition partners clash"
    record = clean_one(
        page("Share this article", title, "Sign up for our newsletter", "By Jane Rowlands")
    )
    assert record.metadata["title"] == title


def test_headline_repeated_by_the_page_title_bar():
    title = "Budget row deepens as coalition partners clash"
    record = clean_one(page(f"Politics | {title}", "Menu", title, "Listen to this article"))
    assert record.metadata["title"] == title


def test_headline_in_the_text_is_removed_and_the_standfirst_follows_it():
    title = "Budget row deepens as coalition partners clash"
    deck = "Ministers trade blame over a shortfall that has grown since the spring"
    record = clean_one(title + "\n\n" + deck + "\n\n" + BODY)
    assert record.metadata["title"] == title
    assert record.metadata["standfirst"] == deck
    assert record.text == BODY
    assert removed(record, "headline") == [title]


def test_a_title_the_input_has_is_kept_and_its_line_removed():
    title = "Budget row deepens as coalition partners clash"
    record = clean_one(title + "\n\n" + BODY, metadata={"title": title})
    assert record.metadata["title"] == title
    assert record.text == BODY


def test_no_headline_without_one():
    record = clean_one(BODY)
    assert "title" not in record.metadata
    assert record.text == BODY


def test_headline_above_its_standfirst_in_the_page_chrome():
    # The line under a headline, nearer the byline, is its standfirst (in any language), even
    # when it is the shorter of the two.
    for title, deck, byline in [
        (
            "Budget row deepens as coalition partners clash over the spring shortfall",
            "Ministers trade blame over the shortfall",
            "By Jane Rowlands",
        ),
        (
            "La disputa por el presupuesto enfrenta a los socios de la coalición de gobierno",
            "Los ministros se culpan del déficit",
            "Por Juana Rolando",
        ),
        (
            "Haushaltsstreit verschärft sich zwischen den Partnern der Koalition in Berlin",
            "Minister schieben sich die Schuld zu",
            "Von Johanna Roland",
        ),
    ]:
        record = clean_one(page("Share this article", title, deck, byline, "March 4, 2021"))
        assert record.metadata["title"] == title


TITLE = "Budget row deepens as coalition partners clash over the spring shortfall"
DECK = "Ministers trade blame over the shortfall"


@pytest.mark.parametrize(
    "above",
    [
        f"Home News Politics {TITLE}",  # a breadcrumb trail ending in the headline
        f"Now reading: {TITLE}",  # a title bar
        f"{TITLE} | World news",
    ],
)
def test_a_line_holding_the_headline_is_not_the_title(above):
    record = clean_one(page(above, TITLE, DECK, "By Jane Rowlands"))
    assert record.metadata["title"] == TITLE


def test_a_headline_repeated_under_a_line_is_not_its_standfirst():
    record = clean_one(
        page("Sign up for our daily politics briefing", TITLE, "By Jane Rowlands", TITLE)
    )
    assert record.metadata["title"] == TITLE


def test_a_section_label_inside_the_headline_does_not_count_against_it():
    title = "Budget Diary Extra: coalition partners clash over the shortfall; talks stall"
    record = clean_one(page("Budget Diary Extra", title, DECK, "By Jane Rowlands"))
    assert record.metadata["title"] == title


# --- language ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The government will present a revised budget to parliament next month.", "en"),
        ("El gobierno presentará un presupuesto revisado al parlamento el próximo mes.", "es"),
        (
            "Die Regierung wird dem Parlament im nächsten Monat einen überarbeiteten Haushalt "
            "vorlegen.",
            "de",
        ),
        ("Le gouvernement présentera un budget révisé au parlement le mois prochain.", "fr"),
        ("O governo apresentará um orçamento revisto ao parlamento no próximo mês.", "pt"),
        ("Il governo presenterà un bilancio rivisto al parlamento il mese prossimo.", "it"),
        ("Правительство представит парламенту пересмотренный бюджет в следующем месяце.", "ru"),
        ("12 34 56", "und"),
    ],
)
def test_detect_language(text, code):
    assert detect_language(text) == code


@pytest.mark.parametrize(
    "text", ["no digits here", "page 3 of 7", "naïve café", "café n° 5", "x² + y²", "٣ أيام"]
)
def test_has_digit_is_str_isdigit(text):
    assert _has_digit(text) == any(c.isdigit() for c in text)


def test_the_digits_of_latin_text_are_those_str_isdigit_knows() -> None:
    from newsclean.steps import article_meta

    chars = "".join(chr(c) for c in [*range(0x300), *range(0x2000, 0x2070)])
    assert not article_meta._BEYOND_LATIN.search(chars)
    assert article_meta._LATIN_DIGIT.findall(chars) == [c for c in chars if c.isdigit()]
    assert _has_digit("café ²") and not _has_digit("café ½ — “x”")


def test_every_record_has_a_language():
    assert clean_one(BODY).metadata["language"] == "en"


# --- round trip ----------------------------------------------------------------------------


def test_rendered_record_cleans_back_to_itself():
    title = "Budget row deepens as coalition partners clash"
    deck = "Ministers trade blame over a shortfall that has grown since the spring"
    text = page(
        title, deck, "By Jane Rowlands and Tom Okafor", "Published 9:15 AM EST, Thu March 4, 2021"
    )
    record = clean_one(text)
    rendered = render_text(record)
    assert rendered.startswith(
        f"date 2021-03-04T09:15-05:00\n\n{title}\n\nBy Jane Rowlands, Tom Okafor\n\n"
    )
    again = clean_one(rendered)
    assert render_text(again) == rendered
    for key in ("title", "authors", "standfirst", "language"):
        assert again.metadata.get(key) == record.metadata.get(key)
    assert again.created == record.created
    assert again.text == record.text
    # and the text alone cleans to the same text
    assert clean_one(record.text).text == record.text


@pytest.mark.parametrize(
    "title",
    [
        "Why the budget failed, and what the coalition partners can still do about it?",
        "The Budget Was Doomed From The Start. The Coalition Knew It And Went Ahead Anyway.",
    ],
)
def test_a_sentence_shaped_headline_survives_settling(title):
    # regression: a headline of 12+ words ending like a sentence read as body text in the
    # written record (title over its "By" line), so settling dropped it
    record = clean_one(page(title, "By Jane Rowlands", "March 4, 2021"))
    assert record.metadata["title"] == title
    assert title not in record.text
    again = clean_one(render_text(record))
    assert again.metadata["title"] == title
    assert again.text == record.text


@pytest.mark.parametrize(
    "near",
    [
        "Search for:",  # a label
        "The minister arrives at parliament on Tuesday. (Agency)",  # a caption with its credit
        "Tags: Budget, Parliament, Coalition",  # a section header
        "from the capital and the regions",  # a label in lower case
        "Home > Politics > Budget and Treasury > Coalition Talks",  # a breadcrumb trail
    ],
)
def test_a_label_caption_or_tag_line_is_not_the_headline(near):
    title = "Budget row deepens as coalition partners clash"
    record = clean_one(page(title, "Share", near, "By Jane Rowlands"))
    assert record.metadata["title"] == title


def test_the_title_under_the_date_line_of_a_written_record_is_read_back():
    # regression: a written record whose title is followed by a short line of its text (not
    # body text, no byline) lost its title in settling: the title was not read back
    title = "Budget row deepens as coalition partners clash"
    written = f"date 2021-03-04\n\n{title}\n\nAnalysis\n\nFiled from the capital.\n\n{BODY}\n"
    record = clean_one(written)
    assert record.metadata["title"] == title
    assert record.text.endswith(BODY) and title not in record.text


def test_a_label_of_capitalised_words_the_text_writes_in_lower_case_is_no_byline():
    # "partners" is a word of the story: "Coalition Partners" is a label, not a name
    title = "Budget row deepens as the government stalls"
    record = clean_one(page(title, "Jane Rowlands", "Coalition Partners", "March 4, 2021"))
    assert record.metadata["authors"] == ["Jane Rowlands"]


def test_an_authors_note_opening_the_article_names_the_author_and_stays():
    note = "By Jane Rowlands, a reporter who has covered the treasury and its budgets since 2015."
    record = clean_one(page("Budget row deepens as partners clash", note))
    assert record.metadata["authors"] == ["Jane Rowlands"]
    assert note in record.text
    # other prose after a byline word is no author's note
    lead = "By Tuesday, the minister said, the government would present a revised budget plan."
    record = clean_one(page("Budget row deepens as partners clash", lead))
    assert not record.metadata.get("authors")


def test_a_long_headline_may_hold_a_caption_word():
    # "photos" is a caption's word in a short line or at its start ("Photos: ..."); in a long
    # headline it is the story's own word
    title = "New photos show coalition partners clashing over the spring shortfall"
    record = clean_one(page("Politics & Economy", title, "By Jane Rowlands"))
    assert record.metadata["title"] == title


def test_a_kicker_over_the_headline_and_its_standfirst_is_not_the_title():
    # kicker, headline, standfirst (a sentence), byline: the shorter line on top is a label,
    # and the headline is no standfirst of it
    deck = "Ministers trade blame as the shortfall grows."
    head = ("Budget diary: the inside story", TITLE, deck, "By Jane Rowlands", "March 4, 2021")
    record = clean_one(page(*head))
    assert record.metadata["title"] == TITLE


def test_a_title_case_headline_ending_with_an_abbreviation_is_no_body_paragraph():
    # the headline, its standfirst and a caption would read as the first three paragraphs,
    # and the byline under them would be looked for no more
    title = "Budget Row Deepens As Coalition Partners Clash Over Spending Plans In The U.S."
    deck = "Ministers traded blame on Tuesday over a shortfall that has grown since the spring."
    caption = "The finance minister arrives at parliament on Tuesday morning for the vote."
    record = clean_one(page(title, deck, caption, "By Jane Rowlands", "March 4, 2021"))
    assert record.metadata["authors"] == ["Jane Rowlands"]


def test_a_one_word_name_under_the_article_is_a_widget_not_the_byline():
    head = (TITLE, "Jane Rowlands 1 day ago", "Share", "Comments", "Print")
    record = clean_one(page(*head, foot=("Promoted", "by Widgetco by Widgetco")))
    assert record.metadata["authors"] == ["Jane Rowlands"]


def test_names_beside_a_reading_time_are_a_byline():
    record = clean_one(page(TITLE, "Jane Rowlands", "11 min read"))
    assert record.metadata["authors"] == ["Jane Rowlands"]


def test_a_kept_line_over_the_byline_is_the_headline_under_kept_chrome():
    # the body step kept a pager and an appeal above the headline; the headline is still the
    # kept line over the byline and date (here removed as chrome), and the lines above it go
    lines = ["Previous", "Next", "Sign up to our daily newsletter and get the top stories"]
    lines += [TITLE, "By Jane Rowlands", "March 4, 2021", "e-mail", *BUDGET_STORY]
    draft = Paragraphs()(Draft.start(Document("x", "x", "\n".join(lines))))[0]
    for block in draft.blocks:
        if block.text in ("By Jane Rowlands", "March 4, 2021"):
            draft.remove(block, "page_body", "outside the body")
    draft = Headline()(draft)[0]
    assert draft.metadata["title"] == TITLE
    # the article starts at its headline: the kept lines above it are chrome
    assert [b.text for b in draft.kept] == ["e-mail", *BUDGET_STORY]


@pytest.mark.parametrize(
    "title",
    ["Spaceflight Historian", "Example Institute Scholar", "Research Fellow, Example Institute"],
)
def test_the_title_under_a_name_on_an_authors_card_is_no_byline(title):
    record = clean_one(page(TITLE, "March 4, 2021", "Jane Rowlands", title))
    assert record.metadata["authors"] == ["Jane Rowlands"]


def test_the_headline_over_a_byline_and_a_date_beats_teasers_over_bylines():
    # a list of other articles' headlines, each over its author, between the head and the body
    teasers = (
        "Latest",
        "Harbour workers strike over the new shift rota",
        "By: John Roe",
        "Railway fares rise again as the operator blames costs",
        "By: Mary Major",
    )
    record = clean_one(page(TITLE, "By Jane Rowlands", "March 4, 2021", *teasers))
    assert record.metadata["title"] == TITLE


def test_a_word_glued_to_the_surname_is_cut_where_the_page_writes_the_name_alone():
    head = (TITLE, "By Jane Rowlandsprofile page", "March 4, 2021")
    record = clean_one(page(*head, foot=("More stories by Jane Rowlands",)))
    assert record.metadata["authors"] == ["Jane Rowlands"]
    # a surname the page never writes shorter is left whole
    record = clean_one(page(TITLE, "By Jane Rowlandsworth", "March 4, 2021"))
    assert record.metadata["authors"] == ["Jane Rowlandsworth"]


@pytest.mark.parametrize("line", ["Jane Rowlands", "Jane Rowlands EXAMPLE PRESS"])
def test_names_between_the_headline_and_the_body_are_a_byline(line):
    # no byline word and no date, but where a byline stands; an outlet in capitals may follow
    record = clean_one(page(TITLE, line))
    assert record.metadata["authors"] == ["Jane Rowlands"]
    assert record.metadata["title"] == TITLE


def test_the_headline_shares_its_words_with_the_lead(monkeypatch):
    # Two headline-shaped lines above the body, neither over a byline: the one about the story
    # (its words are in the first paragraphs) is the title, not another article's teaser.
    teaser = "Harbour workers strike over the new shift rota"
    for head in [(TITLE, "Latest", teaser), (teaser, "Latest", TITLE)]:
        assert clean_one(page(*head)).metadata["title"] == TITLE
    # without the lead's words, the teaser nearer the body would have won
    monkeypatch.setattr("newsclean.steps.article_meta.TOPIC_POINTS", 0.0)
    assert clean_one(page(TITLE, "Latest", teaser)).metadata["title"] == teaser


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # short words and numbers carry no topic
        ("The Budget, the budget and THE BUDGET in 2021", {"budget"}),
        ("预算案 引发争议", {"预算", "算案", "引发", "发争", "争议"}),
    ],
)
def test_content_words(text, words):
    assert content_words(text) == words


def test_the_headline_over_its_deck_is_the_title():
    # headline, maybe a page note, then a deck nearer the byline that shares more of the
    # lead's words: the headline over it is the title
    title = "Coalition partners press the minister for a revised budget"
    deck = "The government will present a revised budget to parliament next month"
    note = "This article is more than 1 month old"
    for head in [(title, deck), (title, note, deck)]:
        record = clean_one(page(*head, "By Jane Rowlands", "March 4, 2021"))
        assert record.metadata["title"] == title
    # a short kicker over the headline is no headline, nor a breadcrumb trail holding it
    for above in ["Budget talks", f"News / Politics / {title}"]:
        record = clean_one(page(above, title, "By Jane Rowlands", "March 4, 2021"))
        assert record.metadata["title"] == title


def test_a_question_in_the_title_slot_of_a_written_record_stays_the_title(monkeypatch):
    # A written record: its title (a question), its "By" line, then a heading-shaped line of
    # its text that shares more of the lead's words (a chart's title kept with the body).
    # Cleaning it again must read the same title; a question is no sentence against the
    # title's place as the first line either.
    title = "Parliament: Rescue Ahead?"
    chart = "Revised budget and deficit plan for parliament"
    written = f"date 2021-03-04\n\n{title}\n\nBy Jane Rowlands\n\n{chart}\n\n{BODY}\n"
    assert clean_one(written).metadata["title"] == title
    monkeypatch.setattr("newsclean.steps.article_meta.WRITTEN_TITLE_POINTS", 0.0)
    assert clean_one(written).metadata["title"] == chart


def test_an_authors_note_over_the_byline_is_not_the_headline(monkeypatch):
    # The author's note kept over the byline shares the lead's words and is nearer the byline
    # than the headline (too far above it to be taken for the note's headline): a sentence
    # opening with a name and what the person is, it is no headline.
    title = "Budget row deepens as coalition partners clash"
    note = (
        "Jane Rowlands is a political reporter covering the budget and the coalition. "
        "She has reported on parliament since 2019."
    )
    head = (title, "By", "Jane Rowlands", "Politics", note, "By Jane Rowlands", "March 4, 2021")
    text = page(*head)
    assert clean_one(text).metadata["title"] == title
    # page_body removes such a bio among the first lines of a body; further down the head,
    # it is left to the headline step.
    monkeypatch.setattr("newsclean.steps.page.PageBody.bios_above", lambda *_: [])
    assert clean_one(text).metadata["title"] == title
    monkeypatch.setattr("newsclean.steps.article_meta.AUTHOR_NOTE_COST", 0.0)
    assert clean_one(text).metadata["title"] == note


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("Jane Rowlands is a political reporter at the Daily Example.", True),
        ("Jane Rowlands has covered parliament since 2019.", True),
        ("Budget row deepens as coalition partners clash.", False),
        ("Rowlands is a reporter.", False),  # one name word: a sentence about anyone
    ],
)
def test_note_of_name(text, note):
    assert Byline.note_of_name(text) is note


@pytest.mark.parametrize("label", ["Picture caption,", "Photo:"])
def test_the_caption_under_its_label_is_not_the_headline(label, monkeypatch):
    # A caption kept with the body, under its label: nearer the body than the headline and
    # about the story, it is no headline.
    title = "Budget row deepens as coalition partners clash"
    caption = "The minister presents the revised budget to parliament after coalition talks"
    text = page(title, "Published", "2 hours ago", "Share", "Copy link", label, caption)
    assert clean_one(text).metadata["title"] == title
    monkeypatch.setattr(Headline, "under_label", lambda self, draft, index: False)
    assert clean_one(text).metadata["title"] == caption


@pytest.mark.parametrize("label", ["Related video", "See also"])
def test_a_teaser_under_its_label_is_not_the_headline(label, monkeypatch):
    # Another story's teaser under its label, over a byline nearer the body than the
    # headline's: it is no headline.
    title = "Budget row deepens as coalition partners clash"
    teaser = "Inside the coalition budget talks, and the revised plan for parliament"
    head = (title, "March 4, 2021", "Share", "Listen", label, teaser, "By Jane Rowlands")
    assert clean_one(page(*head)).metadata["title"] == title
    monkeypatch.setattr(Headline, "under_label", lambda self, draft, index: False)
    assert clean_one(page(*head)).metadata["title"] == teaser


def test_the_line_after_read_more_may_be_the_headline():
    # "Read more" ends the teaser above it (a list of teasers over the article); the line
    # under it is not that teaser
    teasers = ["Festival tickets sell out within two hours", "New tram line opens next week"]
    head = [line for teaser in teasers for line in (teaser, "Tom Okafor -", "Read more")]
    record = clean_one(page(*head, TITLE, "March 4, 2021", "Jane Rowlands"))
    assert record.metadata["title"] == TITLE


def test_a_headline_written_as_sentences_under_a_kicker_is_the_title(monkeypatch):
    # (with a byline: a record with neither a date nor authors writes its title as the first
    # line of its text, where a headline shaped as sentences reads as body text)
    title = "A revised budget is coming. Here is what the coalition wants."
    first, *rest = BUDGET_STORY
    story = "\n\n".join(rest)
    text = f"Politics\n\n{title}\n\n{first}\n\nBy Jane Rowlands\n\n{story}\n"
    record = clean_one(text)
    assert record.metadata["title"] == title
    assert record.text == f"{first}\n\n{story}"  # the kicker goes with the headline
    again = clean_one(render_text(record))
    assert again.metadata["title"] == title and again.text == record.text
    # a hard-wrapped line is no kicker over the rest of it
    wrapped = f"How the coalition\n\nHow the coalition revised the budget?\n\n{BODY}\n"
    assert clean_one(wrapped).text.startswith("How the coalition\n\n")
    monkeypatch.setattr(Headline, "under_kicker", lambda self, draft, line: False)
    assert not clean_one(text).metadata.get("title")


_PROSE = "The council met on Tuesday and agreed to fund the new library for the town."
_SHORT = ["Home", "By Jane Roe", "March 4, 2021", "Share this story", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from(_SHORT)), max_size=14))
def test_body_ends_are_the_ends_of_every_body_paragraph(shapes):
    # The article's lines read its first four body paragraphs and its last one, asked from
    # both ends: the same as measuring every kept paragraph.
    blocks = []
    for prose, kept, short in shapes:
        block = Block(0, 0, _PROSE if prose else short)
        if not kept:
            block.removal = Removal("page_body", "test", 0, 0, block.text)
        blocks.append(block)
    kept = [i for i, b in enumerate(blocks) if b.kept]
    body = [i for i in kept if _is_body(blocks[i].text)]
    assert _body_ends(blocks, kept) == (body if len(body) <= 5 else [*body[:4], body[-1]])
