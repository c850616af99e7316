"""Multi-article scrapes split into one record per article; single articles stay whole."""

import pytest
from conftest import run_steps
from hypothesis import given, settings
from hypothesis import strategies as st

import newsclean
from newsclean.steps import split
from newsclean.steps.split import SplitArticles, _opens_with

ART1 = [
    "The government will present a revised budget to parliament next month, the finance "
    "minister said on Tuesday, after weeks of pressure from coalition partners.",
    "Officials expect the new plan to reduce the deficit by a third within two years, "
    "economists at the central bank said on Wednesday.",
    "Opposition leaders called the proposal an unworkable compromise and vowed to fight it in "
    "parliament when the vote is held in the autumn.",
]
ART2 = [
    "Thousands of protesters gathered outside parliament on Saturday to demand an end to the "
    "conflict and the return of prisoners of war.",
    "Police estimated the crowd at several thousand people, making it one of the largest "
    "demonstrations in the capital this year.",
    "Organisers said they would return every weekend until the government agreed to open talks "
    "with the other side.",
]
ART3 = [
    "A hunter who killed and ate a wild rabbit in a national park was fined 2,000 euros on "
    "Monday, in the first such case in the region for a decade.",
    "Park rangers said the man had set snares along a protected trail and ignored several "
    "warnings from staff over the summer.",
    "The court also banned him from the park for five years and ordered him to pay the costs "
    "of restoring the damaged habitat.",
]
# Standfirsts cut off from the lead sentence, as scrapers save them.
SF1 = "The government will present a revised budget to parliament next month"
SF2 = "Thousands of protesters gathered outside parliament on Saturday"
SF3 = "A hunter who killed and ate"


def scrape(*articles, sep="\n"):
    return sep.join(line for article in articles for line in article)


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_multi_article_with_cut_off_lead_standfirsts(sep):
    text = scrape([SF1, *ART1], [SF2, *ART2], [SF3, *ART3], sep=sep)
    records = newsclean.clean(text, source="multi.txt")
    # each article's opening headline line is its title
    assert [r.metadata.get("title") for r in records] == [SF1, SF2, SF3]
    assert [r.text for r in records] == ["\n\n".join(a) for a in (ART1, ART2, ART3)]
    doc_id = newsclean.document_id("multi.txt", text)
    assert [r.id for r in records] == [f"{doc_id}/0", f"{doc_id}/1", f"{doc_id}/2"]
    for record in records:
        for removal in record.removed:
            assert text[removal.start : removal.end] == removal.text


# An article in a script without spaces: its standfirst is cut inside a run of words (the
# words are compared as character pairs, see repeats.tokens).
ART_JA = [
    "市議会は火曜日、来年度の予算案を賛成多数で可決した。新しい橋の建設費をめぐって数週間にわたり議論が続いていた。",
    "市長は、固定資産税を引き上げずに学校と道路への支出を増やすと述べ、多くの市民が安堵した。",
    "一方、野党は市の積立金がほぼ使い果たされ、将来の事業が危うくなると批判した。",
]
SF_JA = "市議会は火曜日、来年度の予算案を賛成多"


def test_a_standfirst_cut_inside_unspaced_words_opens_an_article():
    text = scrape([SF1, *ART1], [SF_JA, *ART_JA])
    records = newsclean.clean(text)
    assert [r.metadata.get("title") for r in records] == [SF1, SF_JA]
    assert records[1].text == "\n\n".join(ART_JA)


def test_a_short_lead_that_repeats_its_standfirst_opens_an_article():
    # The lead sentence is one word longer than the standfirst cut from it.
    short_lead = ["Park rangers fined a hunter on Monday.", *ART3[1:]]
    text = scrape([SF1, *ART1], ["Park rangers fined a hunter on", *short_lead])
    records = newsclean.clean(text)
    assert len(records) == 2
    # (The headline step keeps a headline over a lead this short in the text.)
    assert records[1].text.endswith("\n\n".join(short_lead))


def test_a_headline_over_a_line_without_words_is_no_article_start():
    # Regression: the lead's first word was read before checking it had one (IndexError).
    text = scrape([SF1, *ART1], ["Night trains return to the main lines", "* * *", *ART2])
    assert len(newsclean.clean(text)) == 1


def test_title_case_standfirst():
    sf2 = "Thousands Of Protesters Gathered Outside Parliament On Saturday"
    text = scrape([SF1, *ART1], [sf2, *ART2])
    records = newsclean.clean(text)
    assert [r.metadata.get("title") for r in records] == [SF1, sf2]
    assert records[1].text == "\n\n".join(ART2)


def test_repeated_article_blocks_split_and_deduplicated():
    # Article 2 saved twice back to back; its opening line is a headline, not the lead.
    head2 = "Protest in the capital draws thousands"
    head3 = "Poacher fined for killing rabbit in park"
    text = scrape([SF1, *ART1], [head2, *ART2], [head2, *ART2], [head3, *ART3])
    records = newsclean.clean(text)
    assert [r.metadata.get("title") for r in records] == [SF1, head2, head3]
    assert [r.text for r in records] == ["\n\n".join(a) for a in (ART1, ART2, ART3)]
    all_paragraphs = [p for r in records for p in r.text.split("\n\n")]
    assert len(all_paragraphs) == len(set(all_paragraphs))


PRODUCT_BOX = [
    "Burr Grinder Deluxe",
    "Forty grind settings from espresso to a coarse French press grind",
    "Removable upper burr for cleaning",
    "Quiet motor and an anti-static container for the grounds",
]


def test_repeated_widget_is_not_an_article():
    # A product box saved twice is a repeated run without prose: no article boundary.
    text = scrape([SF1, *ART1], PRODUCT_BOX, PRODUCT_BOX)
    for step in (SplitArticles(), SplitArticles(min_prose=0)):
        assert len(run_steps(text, "paragraphs", "repeats", step)) == 1


def test_what_follows_a_repeated_article_needs_prose_to_be_one():
    # After an article saved twice, a product box opens with a headline-shaped line and a
    # longish bullet, but holds no prose: it stays with the article before it.
    head2 = "Protest in the capital draws thousands"
    text = scrape([SF1, *ART1], [head2, *ART2], [head2, *ART2], PRODUCT_BOX)
    drafts = run_steps(text, "paragraphs", "repeats", SplitArticles())
    assert len(drafts) == 2
    drafts = run_steps(text, "paragraphs", "repeats", SplitArticles(min_prose=0))
    assert len(drafts) == 3


@pytest.mark.parametrize(
    "head, lead",
    [
        # a name line over an author bio
        ("Jane Doe", "Jane Doe is a reporter covering city hall and the courts for the paper."),
        # a short subheading restating its paragraph
        (
            "Night trains",
            "Night trains are back on the main lines after a decade, the operator said on Monday.",
        ),
        # a numbered item: the lead starts after the number
        (
            "3. Night trains return to the main lines",
            "Night trains return to the main lines after a decade, the operator said.",
        ),
        # another line of the same list: one number differs
        (
            "Error code 400 in the logs",
            "Error code 500 in the logs: we found this one first, before the others.",
        ),
    ],
)
def test_subheading_that_restates_its_paragraph_is_not_a_standfirst(head, lead):
    article = [*ART1, head, lead, *ART2]
    drafts = run_steps(scrape(article), "paragraphs", SplitArticles())
    assert len(drafts) == 1


def test_single_article_with_subheadings_stays_one_record():
    article = [
        SF1,
        *ART1[:2],
        "Poverty in decline",
        ART1[2],
        "The eagle looks both ways",
        *ART2[:2],
        "Arctic cooperation with the US",
        ART2[2],
    ]
    text = scrape(article)
    (record,) = newsclean.clean(text)
    paragraphs = record.text.split("\n\n")
    for sub in (
        "Poverty in decline",
        "The eagle looks both ways",
        "Arctic cooperation with the US",
    ):
        assert sub in paragraphs
    assert record.id == newsclean.document_id("<text>", text)


def test_ids_are_stable_across_runs_and_depend_on_source():
    text = scrape([SF1, *ART1], [SF2, *ART2])
    first = [r.id for r in newsclean.clean(text, source="a.txt")]
    again = [r.id for r in newsclean.clean(text, source="a.txt")]
    other = [r.id for r in newsclean.clean(text, source="b.txt")]
    assert first == again
    assert len(first) == 2 and first != other
    assert [i.rsplit("/", 1)[1] for i in first] == ["0", "1"]


def test_split_step_alone_keeps_every_block_and_sets_parts():
    text = scrape([SF1, *ART1], [SF2, *ART2], [SF3, *ART3])
    drafts = run_steps(text, "paragraphs", SplitArticles())
    assert [d.part for d in drafts] == [0, 1, 2]
    assert [[b.text for b in d.blocks] for d in drafts] == [
        [SF1, *ART1],
        [SF2, *ART2],
        [SF3, *ART3],
    ]
    assert all(b.kept for d in drafts for b in d.blocks)


def test_short_scrape_is_not_split():
    text = scrape([SF1, ART1[0]], [SF2, ART2[0]])
    assert len(run_steps(text, "paragraphs", SplitArticles())) == 1


def test_opens_with():
    assert _opens_with(SF3, ART3[0])
    assert _opens_with(SF3.upper(), ART3[0])
    assert not _opens_with(SF2, ART3[0])
    assert not _opens_with("Short", ART3[0])  # too short to judge


def _lcs_table(a: str, b: str) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b):
            row.append(previous[j] + 1 if x == y else max(previous[j + 1], row[j]))
        previous = row
    return previous[-1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc d", max_size=40), st.text(alphabet="abcd ", max_size=40))
def test_common_subsequence_is_the_longest_one(a: str, b: str) -> None:
    assert split.common_subsequence(a, b) == _lcs_table(a, b)


def _opens_with_matcher_only(headline: str, body: str, agreement: float = 0.85) -> bool:
    from difflib import SequenceMatcher

    head = " ".join(split.tokens(headline))
    lead = " ".join(split.tokens(body))
    if len(head) < 8 or len(lead) <= len(head):
        return False
    window = lead[: len(head) + 10]
    matcher = SequenceMatcher(None, head, window, autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks()) >= agreement * len(head)


_WORDS = st.lists(
    st.sampled_from(
        [
            "a",
            "hunter",
            "who",
            "killed",
            "ate",
            "wild",
            "rabbit",
            "rab",
            "bit",
            "the",
            "Hunter",
            "kil",
            "led",
            "eat",
        ]
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(_WORDS, _WORDS, _WORDS)
def test_opens_with_decides_as_the_matcher_alone(headline: str, lead: str, rest: str) -> None:
    body = lead + " " + rest
    for head in (headline, lead, lead[:-3]):
        assert split._opens_with(head, body) == _opens_with_matcher_only(head, body)
