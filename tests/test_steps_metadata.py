"""Metadata steps: date prefix, bare URL lines, teaser lines, credits, standfirst."""

import pytest
from conftest import make_document, run_steps
from hypothesis import given, settings
from hypothesis import strategies as st

import newsclean
from newsclean import Config, Pipeline
from newsclean.steps.shape import heading_shaped

P1 = ("The minister said on Tuesday that the government would present a revised budget to "
      "parliament next month, after weeks of pressure from coalition partners.")
P2 = ("Officials expect the new plan to reduce the deficit by a third within two years, "
      "economists at the central bank said on Wednesday.")
BODY = P1 + "\n\n" + P2


def clean_one(text, **kwargs):
    records = newsclean.clean(text, **kwargs)
    assert len(records) == 1, [r.text for r in records]
    return records[0]


def removed_by(record, step):
    return [r for r in record.removed if r.step == step]


def assert_spans_exact(record, text):
    for removal in record.removed:
        assert text[removal.start : removal.end] == removal.text


# --- date prefix -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("prefix", "created"),
    [(" date 2025-09-01 ", "2025-09-01"), ("date 2025-09-01\n\n", "2025-09-01"),
     ("Published: 2025-09-01 ", "2025-09-01"),
     # the time is kept, in the ISO form newsclean writes (an offset, not Z)
     ("Published: 2025-09-01T10:22:00Z | ", "2025-09-01T10:22:00+00:00"),
     ("date 2025-09-01T10:22 ", "2025-09-01T10:22"),
     ("Updated 2025-09-01 — ", "2025-09-01"), ("DATE=2025-09-01 ", "2025-09-01")],
)
def test_date_prefix_becomes_created_and_leaves_text(prefix, created):
    text = prefix + BODY
    record = clean_one(text)
    assert record.created == created
    assert "2025" not in record.text
    assert record.text == BODY
    (removal,) = removed_by(record, "date_prefix")
    assert "2025-09-01" in removal.reason
    assert_spans_exact(record, text)


@pytest.mark.parametrize(
    "text",
    [
        "2025-09-01 " + BODY,  # not labelled
        "On 2025-09-01 the minister resigned, aides said.\n\n" + BODY,  # a sentence
        BODY + "\n\ndate 2025-09-01 A later paragraph that is labelled but not first.",
    ],
)
def test_unlabelled_or_late_date_is_not_taken(text):
    record = clean_one(text)
    assert record.created is None
    assert not removed_by(record, "date_prefix")
    assert "2025-09-01" in record.text


@pytest.mark.parametrize("bad", ["2025-13-45", "2025-02-30", "0000-00-00"])
def test_invalid_date_is_ignored(bad):
    record = clean_one(f"date {bad} " + BODY)
    assert record.created is None
    assert not removed_by(record, "date_prefix")
    assert record.text.startswith(f"date {bad} ")


def test_reader_created_wins_over_date_prefix():
    record = clean_one("date 2025-09-01 " + BODY, metadata={"created": "2024-01-02"})
    assert record.created == "2024-01-02"
    assert record.text == BODY


# --- links -------------------------------------------------------------------------------

def test_bare_url_lines_go_to_metadata_links_in_order():
    text = (P1 + "\n\nhttps://example.com/a/b?x=1\n\n" + P2
            + "\n\nwww.example.org/x\n\n<https://x.y/z>\n\nhttps://a.com/1 https://b.com/2\n")
    record = clean_one(text)
    assert record.metadata["links"] == [
        "https://example.com/a/b?x=1", "www.example.org/x", "https://x.y/z",
        "https://a.com/1", "https://b.com/2"]
    assert record.text == BODY
    assert len(removed_by(record, "links")) == 4
    assert_spans_exact(record, text)


def test_url_inside_a_sentence_stays():
    sentence = "See https://example.com/report for the full report, the ministry said."
    record = clean_one(BODY + "\n\n" + sentence)
    assert sentence in record.text
    assert "links" not in record.metadata


# --- related / teaser lines ----------------------------------------------------------------

TEASERS = [
    "Related article: Minister resigns over budget row",
    "Related: Coalition talks collapse",
    "See also: Budget 2025 explained",
    "Read more: What the budget means for you",
    "READ MORE - Five charts on the deficit",
    "Lire aussi : Le budget expliqué en cinq points",
    "Читайте также: Бюджет на 2025 год",
    "Related coverage — Budget row deepens",
]


@pytest.mark.parametrize("teaser", TEASERS)
def test_teaser_line_removed(teaser):
    text = P1 + "\n\n" + teaser + "\n\n" + P2
    record = clean_one(text)
    assert record.text == BODY
    (removal,) = removed_by(record, "related")
    assert removal.text == teaser
    assert_spans_exact(record, text)


@pytest.mark.parametrize(
    "sentence",
    [
        "Related research published last year found that budget forecasts are often too "
        "optimistic, the institute said.",
        "Related to the budget is the question of pensions, which the coalition has not yet "
        "resolved.",
        "See the ministry's statement for details of the new rules, which take effect in May.",
    ],
)
def test_normal_sentence_starting_with_a_cue_kept(sentence):
    record = clean_one(P1 + "\n\n" + sentence + "\n\n" + P2)
    assert sentence in record.text
    assert not removed_by(record, "related")


@pytest.mark.parametrize(
    "teaser",
    [
        "Also: Five charts that explain the deficit",
        "MORE: Coalition partners walk out of budget talks",
        "Watch: The finance minister on the spending cuts",
        "Mehr: Was der Haushalt für Familien bedeutet",
        "Lee: Las cinco claves del nuevo presupuesto",
        "Читайте: Бюджет на следующий год и его критики",
    ],
)
def test_teaser_under_a_one_word_label_removed(teaser):
    text = P1 + "\n\n" + teaser + "\n\n" + P2
    record = clean_one(text)
    assert record.text == BODY
    (removal,) = removed_by(record, "related")
    assert removal.text == teaser


@pytest.mark.parametrize(
    "line",
    [
        # a sentence after the label: the article's own words
        "More: the ministry said the cuts would fall hardest on regional councils.",
        # too few words after it for a headline: a label over a list, or a short note
        "See: Table 2",
        # the label word without a colon right after it
        "Read the ministry's statement: Budget 2025 in full",
    ],
)
def test_a_one_word_label_before_no_headline_stays(line):
    record = clean_one(P1 + "\n\n" + line + "\n\n" + P2)
    assert line in record.text
    assert not removed_by(record, "related")


# --- credits -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "credit",
    ["AFP contributed reporting.", "Additional reporting by Reuters.",
     "With reporting from Anna Smith in Berlin.",
     "The Associated Press contributed to this report."],
)
def test_credit_line_goes_to_metadata(credit):
    text = BODY + "\n\n" + credit
    record = clean_one(text)
    assert record.metadata["credits"] == [credit]
    assert record.text == BODY
    assert_spans_exact(record, text)


def test_several_credits_in_order():
    record = clean_one(BODY + "\nAFP contributed reporting.\nEditing by John Doe")
    assert record.metadata["credits"] == ["AFP contributed reporting.", "Editing by John Doe"]


def test_long_sentence_mentioning_reporting_is_not_a_credit():
    sentence = ("Reporting by local journalists contributed to the minister's decision to resign, "
                "officials said on Monday afternoon.")
    record = clean_one(BODY + "\n\n" + sentence)
    assert sentence in record.text
    assert "credits" not in record.metadata


# --- standfirst ----------------------------------------------------------------------------

def test_opening_headline_is_the_title_and_the_line_after_it_the_standfirst():
    head = "Budget row deepens as coalition partners clash"
    deck = "Ministers trade blame over a shortfall that has grown since the spring"
    record = clean_one(head + "\n" + BODY)
    assert record.metadata["title"] == head
    assert "standfirst" not in record.metadata
    assert record.text == BODY
    record = clean_one(head + "\n" + deck + "\n" + BODY)
    assert record.metadata["title"] == head
    assert record.metadata["standfirst"] == deck
    assert record.text == BODY
    (removal,) = removed_by(record, "standfirst")
    assert removal.text == deck


def test_standfirst_alone_when_the_headline_step_is_off():
    head = "Budget row deepens as coalition partners clash"
    config = Config(disable=("headline",))
    (record,) = newsclean.clean(head + "\n" + BODY, pipeline=Pipeline.from_config(config))
    assert record.metadata["standfirst"] == head
    assert record.text == BODY


def test_first_line_that_is_a_sentence_is_not_a_standfirst():
    first = "Budget row deepens as coalition partners clash."
    record = clean_one(first + "\n\n" + BODY)
    assert "standfirst" not in record.metadata
    assert record.text.startswith(first)


@pytest.mark.parametrize(
    ("line", "shaped"),
    [
        ("Budget row deepens as coalition partners clash", True),
        ("Budget row deepens as coalition partners clash!", True),
        ("¡El presupuesto, otra vez en el aire!", True),
        ("Is The Budget Row Over?", True),
        ("Budget row deepens as coalition partners clash.", False),
        ("Why did the coalition partners clash over the budget?", False),
        ("Budget", False),
        ("Read it at https://example.com/budget", False),
    ],
)
def test_headline_and_standfirst_share_one_shape(line, shaped):
    # The headline and standfirst steps judge the opening line alike, so a line one of them
    # leaves in the text the other leaves too.
    assert heading_shaped(line) is shaped
    record = clean_one("Top story\n\n" + line + "\n\n" + BODY)
    assert (line in record.text) is not shaped


def test_standfirst_needs_a_body_after_it():
    record = clean_one("Budget row deepens\n\nShort line.")
    assert "standfirst" not in record.metadata


def test_metadata_steps_can_run_alone():
    # The steps work in isolation, from their registry names.
    text = "date 2025-09-01 " + P1 + "\n\nhttps://example.com/x\n\nAFP contributed reporting."
    pipeline = Pipeline.from_config(
        Config(steps=("paragraphs", "date_prefix", "links", "credits")))
    (record,) = pipeline.clean(make_document(text))
    assert record.created == "2025-09-01"
    assert record.metadata["links"] == ["https://example.com/x"]
    assert record.metadata["credits"] == ["AFP contributed reporting."]
    assert record.text == P1
    (draft,) = run_steps(text, "paragraphs", "links")
    assert [b.text for b in draft.kept][-1] == "AFP contributed reporting."


def test_date_prefix_span_exact_after_text_fixes():
    prefix = "date\u200b\u200b\u200b\u200b 2025-09-01 "
    text = prefix + "Kremlinâ€™s spokesman said on Tuesday that talks would go on.\n\n" + P2
    record = clean_one(text)
    assert record.created == "2025-09-01"
    (removal,) = removed_by(record, "date_prefix")
    assert removal.text == prefix


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["http://", "https://", "www.", "a.b/c", " ", ",", "|", "•",
                                 "-", "x", "<", ">", "(", ")", "WWW.", "ftp://"]),
                max_size=8).map("".join))
def test_a_link_line_is_told_as_the_url_pattern_tells_it(text: str) -> None:
    from newsclean.record import Block, Document
    from newsclean.steps import metadata
    from newsclean.steps.base import Draft

    draft = Draft.start(Document(id="x", text=text or " ", source="x"))
    blocks = [Block(0, len(text), text)]
    expected = not metadata._BARE_URL.sub("", text).strip(" ,;|•·-")
    assert (metadata.Links().judge(draft, blocks, 0) is not None) == expected
