"""Full-page scrapes: navigation, headline lists and footers go; the article body stays."""

import pytest
from conftest import BUDGET_STORY, run_steps

import newsclean
from newsclean.steps.article_meta import Byline
from newsclean.steps.page import (
    TEASER_CARDS,
    PageBody,
    best_span,
    contents_entries,
    item_or_opening_shape,
    item_shape,
    line_score,
    listed_items,
    teaser_runs,
)

NAV = [
    "Home",
    "World",
    "Politics",
    "Business",
    "Tech",
    "Sport",
    "Culture",
    "Opinion",
    "Subscribe",
    "Log in",
]
HEADLINES = [
    "Budget row deepens as coalition partners clash",
    "Storms batter coast as thousands lose power",
    "Central bank holds rates for third month in a row",
    "Football club fined over fan violence in cup final",
    "New museum opens in former railway station",
]
TITLE = "Coalition partners clash over revised budget plan"
BODY = [
    "The minister said on Tuesday that the government would present a revised budget to "
    "parliament next month, after weeks of pressure from coalition partners and business groups "
    "who had warned that the original plan would hurt growth.",
    "Officials expect the new plan to reduce the deficit by a third within two years, although "
    "economists at several independent institutes have questioned the assumptions behind the "
    "forecast and said the savings were optimistic.",
    "Opposition leaders called the proposal an unworkable compromise that would leave households "
    "paying more for energy and transport over the coming winter months, and vowed to fight it "
    "when the bill reaches parliament.",
    "Analysts said the vote, expected before the end of the year, would be the first real test "
    "of the coalition since it took office after a long and bitter election campaign.",
]
FOOTER = [
    "About us",
    "Contact",
    "Careers",
    "Advertise with us",
    "Privacy policy",
    "Terms of use",
    "Cookie settings",
    "© 2025 Example Media Group",
]


def full_page(sep="\n"):
    lines = [
        *NAV,
        "Most read",
        *HEADLINES,
        TITLE,
        *BODY,
        "More from Politics",
        *HEADLINES[::-1],
        *FOOTER,
    ]
    return sep.join(lines)


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_full_page_scrape_keeps_only_the_article(sep):
    text = full_page(sep)
    (record,) = newsclean.clean(text)
    assert record.text == "\n\n".join(BODY)
    assert record.metadata.get("title") == TITLE
    for removal in record.removed:
        assert text[removal.start : removal.end] == removal.text
    removed_texts = [r.text for r in record.removed]
    for line in [*NAV, *HEADLINES, *FOOTER]:
        assert line in removed_texts
    assert any(r.step == "page_body" for r in record.removed)


def test_full_page_with_teaser_blurbs_in_the_headline_list():
    blurbs = []
    for headline in HEADLINES:
        blurbs += [headline, "3 hours ago"]
    text = "\n".join([*NAV, *blurbs, TITLE, *BODY, "Comments", "12:45 pm", *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text == "\n\n".join(BODY)


def test_page_body_step_alone():
    text = full_page()
    (draft,) = run_steps(text, "paragraphs", "page_body")
    assert [b.text for b in draft.kept] == [TITLE, *BODY]
    assert all(
        b.removal.step == "page_body" and b.removal.reason for b in draft.blocks if not b.kept
    )


ORDINARY = [
    "Putin reported that the poverty level has fallen over the past decade, calling this a "
    "major achievement of the government and its social programmes.",
    "Poverty in decline",
    "He stressed that his goal is an economy of high salaries, adding that wages had grown "
    "faster than prices for the third year running.",
    "Q: Will the plan work?",
    "You are welcome.",
    "Analysts said the figures were broadly in line with independent estimates, though some "
    "warned that regional differences remained large.",
]


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_ordinary_article_is_untouched(sep):
    text = sep.join(ORDINARY)
    (record,) = newsclean.clean(text)
    assert record.text == "\n\n".join(ORDINARY)
    assert record.removed == []


def test_page_body_leaves_few_stray_lines_alone():
    # min_removed: fewer than three lines outside the body are not trimmed
    text = "\n".join(["Home", "World", *BODY])
    (draft,) = run_steps(text, "paragraphs", "page_body")
    assert len(draft.kept) == len(BODY) + 2
    (draft,) = run_steps(text, "paragraphs", PageBody(min_removed=1))
    assert [b.text for b in draft.kept] == BODY


def test_line_score_and_best_span():
    assert line_score(BODY[0]) > 0
    assert line_score("Home") < 0
    assert line_score("12:45 pm") == -10.0
    assert best_span([]) == (0, 0)
    assert best_span([-1, 2, 3, -10, 4]) == (1, 3)
    assert best_span([-5, -1, -3]) == (1, 2)


MORE_BODY = [
    "The finance ministry declined to say how much the new measures would cost, but officials "
    "said the figures would be published with the bill.",
    "Business groups welcomed the plan, while trade unions warned that cuts to public services "
    "would hit low-income families hardest.",
]
SHORT_ARTICLE = [*BUDGET_STORY, *MORE_BODY]
APPEAL = [
    "A note to our readers:",
    "Our reporters work every day to bring you independent journalism that holds the powerful "
    "to account.",
    "We do not have a paywall, because we believe everyone deserves access to accurate news.",
    "If you value our reporting, please consider a monthly contribution. Every donation, however "
    "small, keeps us going.",
    "Support us today",
]


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_appeal_in_the_middle_does_not_cut_the_article(sep):
    text = sep.join([*SHORT_ARTICLE[:3], *APPEAL, *SHORT_ARTICLE[3:]])
    (record,) = newsclean.clean(text)
    assert not [r.text for r in record.removed if r.step == "page_body"]
    assert record.text == "\n\n".join(SHORT_ARTICLE)


def test_only_furniture_removals_count_against_the_body():
    # A repeated copy (removed by `repeats`) is not page chrome: page_body judges the page as
    # if it were absent, as it is when the clean text is cleaned again. Counted as furniture,
    # the two removed copies would cut the closing line off the body.
    closing = "You are welcome."
    text = "\n".join(["Home", "World", BODY[0], BODY[1], BODY[0], BODY[1], closing])
    (draft,) = run_steps(text, "paragraphs", "repeats", PageBody(min_removed=1))
    assert [b.text for b in draft.kept] == [BODY[0], BODY[1], closing]
    steps = [b.removal.step for b in draft.blocks if not b.kept]
    assert steps == ["page_body", "page_body", "repeats", "repeats"]
    as_furniture = PageBody(min_removed=1, furniture_steps=("repeats",))
    (draft,) = run_steps(text, "paragraphs", "repeats", as_furniture)
    assert [b.text for b in draft.kept] == [BODY[0], BODY[1]]


UP_NEXT = [
    "COMING UP",
    "Harbour Lions: Face the Rovers on Sunday.",
    "Rovers: At the Lions.",
    "Tickets from the club shop",
]
SECOND_TITLE = "Protesters gather outside parliament for the third weekend"
SECOND_BODY = [
    "Protesters gathered outside parliament for the third weekend in a row on Saturday, "
    "demanding that the government open talks with the striking rail workers.",
    "Police estimated the crowd at several thousand people, making it one of the largest "
    "demonstrations in the capital this year, and said there were no arrests.",
]


def test_each_article_of_a_split_scrape_gets_its_own_body(monkeypatch):
    # page_body sees the fixture lines between two bodies and keeps them; once the scrape is
    # split they end the first article, and the pipeline's settling round, which sees each
    # article alone as cleaning its text again would, trims them.
    text = "\n\n".join([TITLE, *BODY, *UP_NEXT, SECOND_TITLE, *SECOND_BODY])
    first, second = newsclean.clean(text)
    assert first.text == "\n\n".join(BODY)
    assert [r.text for r in first.removed if r.step == "page_body"] == UP_NEXT
    assert second.text == "\n\n".join(SECOND_BODY)
    for record in (first, second):
        (again,) = newsclean.clean(record.text)
        assert again.text == record.text
    # one pass alone leaves them
    monkeypatch.setattr("newsclean.settle.SETTLE_ROUNDS", 0)
    first, _ = newsclean.clean(text)
    assert all(line in first.text for line in UP_NEXT)


# Teasers after the article: each ends like a sentence, so none of them is a short line the
# stretch of prose would stop at.
TEASERS = [
    "Storms batter the coast as thousands of homes lose power overnight, and the "
    "forecasters warn that more rain will follow before the weekend is out.",
    "The central bank holds rates for a third month in a row, saying inflation is easing "
    "more slowly than it had expected at the start of the year.",
]
MORE_BODY = [
    "Business groups welcomed the delay but said that companies still needed a clear signal "
    "about tax rates for the next three years before they could commit to new investment.",
    "The finance committee will hold hearings on the revised plan in early spring, and its "
    "chair said she expected ministers to answer questions about the forecasts in person.",
]
ARTICLE = [*BODY, *MORE_BODY]
BIO = (
    "Jane Doe is a senior reporter covering politics and the economy, and has written "
    "about parliament for more than ten years."
)


@pytest.mark.parametrize("header", ["About the author", "More stories", "Tags:", "Über den Autor"])
def test_section_header_after_the_body_ends_the_article(header):
    text = "\n".join([TITLE, *ARTICLE, header, BIO, *TEASERS])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n") == ARTICLE
    ends = [r for r in record.removed if r.step == "page_body"]
    assert [r.text for r in ends] == [header, BIO, *TEASERS]


def test_a_labelled_section_line_after_the_body_ends_the_article():
    # A section header with its content on the same line: a long line, still no body.
    trailer = [
        "More information: Jane Doe et al, A study of the harbour tides over ten winters, "
        "Example Journal of Coastal Science (2024).",
        "Journal information: Example Journal of Coastal Science",
        "Provided by the Example Institute",
        "This page may not be reproduced without written permission of the publisher, "
        "apart from any fair dealing for the purpose of study or research.",
    ]
    (record,) = newsclean.clean("\n".join([TITLE, *ARTICLE, *trailer]))
    assert record.text.split("\n\n") == ARTICLE


def test_a_labelled_section_line_with_much_prose_below_stays():
    labelled = "Tags: the budget, the tax plan and what the committee asked for."
    article = [*BODY[:1], labelled, *BODY[1:], *MORE_BODY]
    (record,) = newsclean.clean("\n".join([TITLE, *article]))
    assert record.text.split("\n\n") == article


def test_section_header_with_much_prose_below_is_not_the_end():
    # The same header word in the middle of an article: the prose below it is no tail.
    article = [*BODY[:2], "Topics", *BODY[2:], *MORE_BODY]
    (record,) = newsclean.clean("\n".join([TITLE, *article]))
    assert record.text.split("\n\n") == article


def test_article_end_names_the_header():
    blocks = [
        b
        for d in run_steps("\n".join([*ARTICLE, "Tags", *TEASERS]), "paragraphs")
        for b in d.blocks
    ]
    step = PageBody()
    assert step.article_end(blocks, step.scores(blocks)) == len(ARTICLE)
    assert step.article_end(blocks[:-2], step.scores(blocks[:-2])) == len(ARTICLE)
    short = blocks[:1] + blocks[len(ARTICLE) :]  # too little prose above to be an article
    assert step.article_end(short, step.scores(short)) is None


@pytest.mark.parametrize(
    "card",
    [
        ["Jane Doe", "Senior Reporter", BIO],
        ["By Jane Doe", "Follow", BIO],
    ],
)
def test_author_card_without_a_header_ends_the_article(card):
    # A name alone on a line, then the job title alone or a bio that opens with the name
    # and gives the job: the author's card, not part of the article.
    (record,) = newsclean.clean("\n".join([TITLE, *ARTICLE, *card, *TEASERS]))
    assert record.text.split("\n\n") == ARTICLE


@pytest.mark.parametrize(
    "bio",
    [
        "Jane Doe is a senior reporter for the Example Post. Follow her on social media.",
        "Jean Dupont est journaliste au service politique depuis dix ans.",
        "Max Muster ist Redakteur im Ressort Wirtschaft.",
    ],
)
def test_an_author_bio_after_the_body_ends_the_article(bio):
    # No name line above it: the bio alone opens with the name, a verb and the job.
    (record,) = newsclean.clean("\n".join([TITLE, *ARTICLE, bio, *TEASERS]))
    assert record.text.split("\n\n") == ARTICLE


def test_a_closing_sentence_about_critics_is_no_author_bio():
    closing = (
        "It is difficult to see how the critics of the plan can win the vote, and the "
        "finance committee expects a majority for it when it meets in the spring."
    )
    article = [*ARTICLE, closing]
    (record,) = newsclean.clean("\n".join([TITLE, *article]))
    assert record.text.split("\n\n") == article


def test_a_name_heading_above_prose_about_that_person_stays():
    # A profile's subheading: the name, then prose about the person (no job title given).
    profile = [
        "Jane Doe",
        "Jane Doe has chaired the committee since the spring and is expected to lead the "
        "questioning of ministers when the revised forecasts are published next month.",
    ]
    article = [*BODY, *profile, *MORE_BODY]
    (record,) = newsclean.clean("\n".join([TITLE, *article]))
    assert record.text.split("\n\n") == article


# Long teaser headlines of other articles, as a list after an article shows them: no
# sentence ends anywhere (long enough to score as prose one by one).
LONG_HEADLINES = [
    "Storm-hit coastal towns count the cost as insurers warn that claims from the worst "
    "floods in a decade could reach record levels this winter",
    "Rail strike talks collapse again as unions reject the latest pay offer and warn of "
    "further walkouts across the network in the new year",
    "Star striker signs a new four-year contract with the club after weeks of speculation "
    "about a move abroad during the transfer window",
    "Museum reopens its restored railway hall to the public with an exhibition on the "
    "engineers who built the line more than a century ago",
    "Council approves plans for hundreds of new homes on the edge of the town despite "
    "objections from residents about traffic and school places",
]


def test_a_run_of_long_teaser_headlines_after_the_article_goes():
    (record,) = newsclean.clean("\n".join([TITLE, *ARTICLE, *LONG_HEADLINES, *NAV]))
    assert record.text.split("\n\n") == ARTICLE


def test_teaser_runs_need_a_run_without_sentence_ends_and_no_colon_before_it():
    def blocks(lines):
        return [b for d in run_steps("\n".join(lines), "paragraphs") for b in d.blocks]

    assert teaser_runs(blocks(LONG_HEADLINES)) == set(range(len(LONG_HEADLINES)))
    assert teaser_runs(blocks(LONG_HEADLINES[:4])) == set()  # too short a run
    # A list the article introduces with a colon is the article's own.
    assert teaser_runs(blocks(["What the plan changes for families:", *LONG_HEADLINES])) == set()
    # Prose without a full stop at the end of its lines still has sentence ends inside them.
    prose = [f"{line}. Officials said more would follow" for line in LONG_HEADLINES]
    assert teaser_runs(blocks(prose)) == set()


def test_a_list_introduced_by_a_colon_inside_the_article_is_kept():
    # Short items after "...:" are the article's list, not a menu: the prose after them
    # belongs to the same body.
    items = [
        "12 March: Leeds",
        "14 March: Glasgow",
        "17 March: Bristol",
        "19 March: Cardiff",
        "21 March: Norwich",
    ]
    article = [*BODY, "The band will play these dates next spring:", *items, *MORE_BODY]
    (record,) = newsclean.clean("\n".join([TITLE, *article, *NAV]))
    assert record.text.split("\n\n") == article


# A budget's line items under a heading of their own (no colon), inside the article.
LINE_ITEMS = [
    "Schools and nurseries – 4.1 billion",
    "Hospitals and clinics – 3.8 billion",
    "Roads and bridges – 2.2 billion",
    "Rail and buses – 1.9 billion",
    "Police and courts – 1.7 billion",
    "Housing – 1.2 billion",
    "Parks and libraries – 0.6 billion",
    "Research grants – 0.5 billion",
    "Flood defences – 0.4 billion",
    "Arts and heritage – 0.3 billion",
]


def test_a_list_under_a_heading_inside_the_article_is_kept():
    # Without the heading the items would read as a menu, the wall of which the body
    # does not cross: the prose after them would be lost.
    article = [*BODY, "Where the money goes", *LINE_ITEMS, *MORE_BODY]
    (record,) = newsclean.clean("\n".join([*NAV, TITLE, *article, *FOOTER]))
    assert record.text.split("\n\n") == article


def test_listed_items_need_a_heading_three_items_of_one_shape_and_no_stamps():
    def blocks(lines):
        return [b for d in run_steps("\n".join(lines), "paragraphs") for b in d.blocks]

    assert listed_items(blocks(["Where the money goes", *LINE_ITEMS[:3]])) == {1, 2, 3}
    assert listed_items(blocks(LINE_ITEMS[:3])) == set()  # no heading over them
    assert listed_items(blocks(["Where the money goes", *LINE_ITEMS[:2]])) == set()
    assert listed_items(blocks(["Where the money goes", *NAV])) == set()  # no item shape
    ticker = [f"14:0{n} – {line}" for n, line in enumerate(LINE_ITEMS[:3])]
    assert listed_items(blocks(["Latest updates", *ticker])) == set()


SECTIONS = ["Background", "The revised plan", "Reactions", "What comes next"]
INTRO = (
    "The government's second budget of the year has split the coalition, and this guide "
    "sets out what changed, who objected and what happens before the vote in parliament."
)


def guide(entries):
    """A long guide: an intro, its table of contents, then each section under its heading."""
    sections = [line for heading, text in zip(SECTIONS, BODY) for line in (heading, text)]
    return [INTRO, "Contents", *entries, *sections]


def test_the_article_s_table_of_contents_is_kept_with_the_intro_above_it():
    # Without the entries read as a table of contents they are a menu's wall, and the
    # intro above them is cut off.
    entries = [f"{n} {heading}" for n, heading in enumerate(SECTIONS, 1)]
    article = guide(entries)
    (record,) = newsclean.clean("\n".join([*NAV, TITLE, *article, *FOOTER]))
    assert record.text.split("\n\n") == article


def test_contents_entries_are_the_article_s_subheadings_in_a_run():
    def blocks(lines):
        return [b for d in run_steps("\n".join(lines), "paragraphs") for b in d.blocks]

    numbered = guide([f"{n}. {heading}" for n, heading in enumerate(SECTIONS, 1)])
    assert contents_entries(blocks(numbered)) == {2, 3, 4, 5}
    # A wiki writes an edit link after each heading, not before the entry.
    wiki = [line if line not in SECTIONS else f"{line}[edit]" for line in guide(SECTIONS)]
    assert contents_entries(blocks(wiki)) == {2, 3, 4, 5}
    assert contents_entries(blocks(guide(SECTIONS[:2]))) == set()  # too few in a row
    assert contents_entries(blocks(guide(NAV))) == set()  # a menu: no subheadings of its own


def test_an_author_s_bio_above_the_lead_goes():
    (record,) = newsclean.clean("\n".join([*NAV, TITLE, BIO, *ARTICLE, *FOOTER]))
    assert record.text.split("\n\n") == ARTICLE
    reasons = {r.text: r.reason for r in record.removed if r.step == "page_body"}
    assert reasons[BIO] == "author's bio above the article"
    # Further down, the same sentence is the article's own (a profile of the reporter).
    article = [*ARTICLE[:3], BIO, *ARTICLE[3:]]
    (record,) = newsclean.clean("\n".join([*NAV, TITLE, *article, *FOOTER]))
    assert record.text.split("\n\n") == article


LATE_PARAGRAPH = (
    "Officials at the ministry said later that the revised figures would be checked by the "
    "independent fiscal council before the vote, and that any change to the forecasts would be "
    "published in full so that members of parliament could judge the plan on the same numbers."
)


def test_a_widget_header_inside_the_article_does_not_end_it():
    # A "Most popular" box set inside the article: a banner takes its header out, and the
    # article goes on under it with a long paragraph.
    article = [*BODY, MORE_BODY[0], "Politics", LATE_PARAGRAPH]
    text = "\n".join([*NAV, TITLE, *article[:-2], "Most popular", *article[-2:], *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n")[-1] == LATE_PARAGRAPH
    # Followed by teasers and a short blurb, the same header ends the article.
    blurb = "Storm-hit towns count the cost of the worst floods in a decade."
    text = "\n".join([*NAV, TITLE, *article[:-2], "Most popular", "Politics", blurb, *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n")[-1] == MORE_BODY[0]


@pytest.mark.parametrize(
    ("line", "shape"),
    [
        ("2021: Jane Doe – Example United", ("digit", ": ")),
        ("- two eggs, beaten", ("bullet", "")),
        ("Best debut album - The Example Band", ("word", " - ")),
        ("Top stories", None),
        ("Politics | Council approves the budget", None),
    ],
)
def test_item_shape(line, shape):
    assert item_shape(line) == shape


def test_item_shape_by_first_word():
    assert item_or_opening_shape("Added a night mode to the map") == ("word added", "")
    assert item_or_opening_shape("+ Fixed the crash on start") == ("word +", "")
    assert item_or_opening_shape("Top stories") == ("word top", "")
    assert item_or_opening_shape("Politics") is None  # one word: a menu entry
    assert item_or_opening_shape("2021: Jane Doe – Example United") == ("digit", ": ")
    assert item_shape("Added a night mode to the map") is None  # no shape of a list alone


WINNERS = [
    "2024: Jane Doe – Example United",
    "2023: John Roe – Harbour City",
    "2022: Ann Poe – Example United",
]


def test_the_article_s_own_list_at_its_end_stays():
    # A list that ends the article, after a line ending in a colon or under a heading.
    for intro in ("The winners of the award so far:", "Coach of the Year winners"):
        article = [*ARTICLE, intro, *WINNERS]
        text = "\n".join([*NAV, TITLE, *article, *FOOTER])
        (record,) = newsclean.clean(text)
        assert record.text.split("\n\n") == article


def test_the_article_s_own_list_after_a_removed_slide_counter_stays():
    # The counter of the article's last picture sits between the body and its list.
    article = [*ARTICLE, "Winners of the award", *WINNERS]
    text = "\n".join([*NAV, TITLE, *ARTICLE, "7 / 7", *article[len(ARTICLE) :], *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n") == article


def test_the_article_s_own_list_past_furniture_removed_between_its_items_stays():
    # A slide counter an earlier step removes sits between the list's first two items.
    article = [*ARTICLE, "Winners of the award", *WINNERS]
    first = len(ARTICLE) + 2
    text = "\n".join([*NAV, TITLE, *article[:first], "4 / 9", *article[first:], *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n") == article


CHANGES = [
    "Added a night mode to the route planner",
    "Added timetables for the two new tram lines",
    "Added a warning when a connection is missed",
]


def test_the_article_s_own_list_of_items_that_open_alike_at_its_end_stays():
    # A changelog's items, no bullet or separator, each opening with the same word.
    for intro in ("What is new in this release:", "New in version 2"):
        article = [*ARTICLE, intro, *CHANGES]
        text = "\n".join([*NAV, TITLE, *article, *FOOTER])
        (record,) = newsclean.clean(text)
        assert record.text.split("\n\n") == article


def test_a_share_bar_that_opens_alike_after_the_article_goes():
    buttons = [
        "Tap to share it on Facebook (new tab)",
        "Tap to share it on X (new tab)",
        "Tap to email it to a friend (new tab)",
        "Tap to print it (new tab)",
    ]
    text = "\n".join([*NAV, TITLE, *ARTICLE, *buttons, *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n") == ARTICLE


def test_a_list_of_teasers_under_a_heading_after_the_article_goes():
    teasers = [
        "Politics | Council approves the budget",
        "Sport | Harbour City win the cup",
        "Travel | A weekend on the coast",
    ]
    text = "\n".join([*NAV, TITLE, *ARTICLE, "Best of the week", *teasers, *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n") == ARTICLE


BOX = [
    "Related stories",
    "Storm-hit towns count the cost of the worst floods in a decade",
    "Rail strike talks collapse again as unions reject the pay offer",
]


def test_a_related_links_box_inside_the_article_goes():
    article = [*BODY, *MORE_BODY]
    text = "\n".join([*NAV, TITLE, *BODY, *BOX, *MORE_BODY, *FOOTER])
    (record,) = newsclean.clean(text)
    assert record.text.split("\n\n") == article
    reasons = {r.text: r.reason for r in record.removed if r.step == "page_body"}
    assert all(reasons[line] == "related-links box inside the article" for line in BOX)


@pytest.mark.parametrize(
    "header", ["Editor's Picks", "Keep reading", "Empfehlungen der Redaktion", "Выбор редакции"]
)
def test_related_box_headers_of_other_wordings(header):
    box = [header, *BOX[1:]]
    (record,) = newsclean.clean("\n".join([*NAV, TITLE, *BODY, *box, *MORE_BODY, *FOOTER]))
    assert record.text.split("\n\n") == [*BODY, *MORE_BODY]


def test_a_related_links_box_of_headlines_cut_short_inside_the_article_goes():
    # The page cut the teasers with three full stops: still headlines, not sentences.
    box = [BOX[0], "Storm-hit towns count the cost of the worst floods in a...", BOX[2]]
    article = [*BODY, *MORE_BODY]
    (record,) = newsclean.clean("\n".join([*NAV, TITLE, *BODY, *box, *MORE_BODY, *FOOTER]))
    assert record.text.split("\n\n") == article
    reasons = {r.text: r.reason for r in record.removed if r.step == "page_body"}
    assert all(reasons[line] == "related-links box inside the article" for line in box)


def test_a_subheading_with_a_related_word_over_prose_stays():
    # "Watch" opens a subheading here, and prose follows it: no box.
    article = [*BODY, "Watch the committee closely", *MORE_BODY]
    (record,) = newsclean.clean("\n".join([*NAV, TITLE, *article, *FOOTER]))
    assert record.text.split("\n\n") == article


# Teaser cards of other articles, written for these tests: a headline and its byline (a
# section's name over some), or a kicker in capitals over the headline.
BYLINE_CARDS = [
    "Markets",
    "Storm-hit towns count the cost of the worst floods in a decade",
    "By Ana Lima",
    "Rail strike talks collapse again as unions reject the pay offer",
    "By Tom Reyes",
    "Travel",
    "A weekend on the coast for less than you would think",
    "By Maria Kowalski",
]
KICKER_CARDS = [
    "HIGH WATER",
    "Storm-hit towns count the cost of the worst floods in a decade",
    "BACK TO THE TABLE",
    "Rail strike talks collapse again as unions reject the pay offer",
    "SUMMER PLANS",
    "A weekend on the coast for less than you would think",
]


def _body_blocks(lines):
    return [b for d in run_steps("\n".join(lines), "paragraphs") for b in d.blocks]


@pytest.mark.parametrize("cards", [BYLINE_CARDS, KICKER_CARDS], ids=["bylines", "kickers"])
def test_teaser_cards_inside_the_article_are_found(cards):
    # The widget sits between two halves of the article, as pages set it.
    lines = [*BODY[:2], *cards, *BODY[2:]]
    found = PageBody().cards(_body_blocks(lines), [True] * len(lines))
    assert found == list(range(2, 2 + len(cards)))


@pytest.mark.parametrize(
    "middle",
    [
        BYLINE_CARDS[1:5],  # two cards are not yet a widget
        # a subheading in capitals over a headline-shaped line, once: the article's own
        ["WHAT HAPPENS NEXT", "The committee will vote on the plan in the spring", *MORE_BODY],
    ],
)
def test_two_teaser_cards_or_a_subheading_in_capitals_are_no_widget(middle):
    lines = [*BODY[:2], *middle, *BODY[2:]]
    assert PageBody().cards(_body_blocks(lines), [True] * len(lines)) == []


def test_the_bylines_of_teaser_cards_are_not_the_authors():
    # The cards page_body took out are other articles' heads: their bylines, right over the
    # article's second half, are not read as the article's.
    lines = [TITLE, *BODY[:2], *BYLINE_CARDS, *BODY[2:]]
    (draft,) = run_steps("\n".join(lines), "paragraphs")
    for block in draft.blocks[3 : 3 + len(BYLINE_CARDS)]:
        draft.remove(block, "page_body", TEASER_CARDS)
    Byline()(draft)
    assert draft.metadata.get("authors") in (None, [])


# Reader comments written for these tests: a name, the comment's stamp, the comment.
COMMENTS = [
    "Mark T.",
    "March 3, 2024 at 9:15 pm",
    "I read the whole plan and I still do not see where the savings are supposed to come "
    "from, but I am glad someone is finally asking the committee about it.",
    "Ana",
    "March 4, 2024 at 7:02 am",
    "The forecasts were optimistic last year too, and nobody in the ministry ever explained "
    "why they missed them by so much.",
]


def test_a_comment_thread_without_a_header_ends_the_article():
    # Two stamps with a named date and a time open a thread.
    (record,) = newsclean.clean("\n".join([TITLE, *ARTICLE, *COMMENTS]))
    assert record.text.split("\n\n") == ARTICLE


@pytest.mark.parametrize(
    "header",
    [
        "There are 2 comments",
        "2 thoughts on “" + TITLE + ": what the revised plan means for you”",
        "2 Gedanken zu „Der Haushalt und die Koalition: was der neue Plan bedeutet“",
    ],
)
def test_a_comments_header_quoting_the_title_ends_the_article(header):
    # Stamps without a month name, and long comments that would outweigh the article's end
    # on their own: the header opens the thread.
    more = (
        " My town lost its bus service the last time the ministry promised savings like these, "
        "and the shops on the high street have been closing one by one ever since, so forgive "
        "me if I doubt every word of it."
    )
    comments = [
        "Mark T.",
        "2 hours ago, 9:15 pm",
        COMMENTS[2] + more,
        "Ana",
        "1 hour ago, 7:02 am",
        COMMENTS[5] + more,
    ]
    (record,) = newsclean.clean("\n".join([TITLE, *ARTICLE, header, *comments]))
    assert record.text.split("\n\n") == ARTICLE


def test_rows_with_times_but_no_month_are_no_comment_stamps():
    # A table of readings inside an article: times in every row, no month named.
    rows = ["Station 4 │ 2024-03-03 09:00 │ 12.5", "Station 4 │ 2024-03-03 10:00 │ 13.1"]
    article = [*BODY[:2], *rows, *BODY[2:], *MORE_BODY]
    blocks = [b for d in run_steps("\n".join(article), "paragraphs") for b in d.blocks]
    step = PageBody()
    assert not any(step.stamps_thread(blocks, i) for i in range(len(blocks)))
    assert step.stamps_thread(
        [b for d in run_steps("\n".join([*ARTICLE, *COMMENTS]), "paragraphs") for b in d.blocks],
        len(ARTICLE) + 1,
    )


def test_remembered_line_tests_answer_as_the_tests_do(monkeypatch):
    # The step remembers its comments-header and bio answers by text, a bounded number of
    # them, and no very long line.
    from newsclean.record import Block
    from newsclean.steps import page

    monkeypatch.setattr(page, "_REMEMBERED_LINES", 3)
    monkeypatch.setattr(page, "_REMEMBERED_CHARS", 100)
    lines = [
        "34 Comments",
        "Leave a Reply",
        "Jane Doe is a senior reporter who covers energy.",
        "The minister said the plan would be published next week.",
        "Comments " + "word " * 40,
        "x" * 200,
    ]
    step = PageBody()
    for _ in range(2):
        for line in lines:
            assert step.comments_header(line) == step._comments_header(line)
            assert step.author_bio(Block(0, 1, line)) == step._author_bio(line)
    assert step.comments_header("34 Comments") and step.author_bio(Block(0, 1, lines[2]))
    assert len(step._comments_headers) <= 3 and "x" * 200 not in step._bios
