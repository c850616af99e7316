"""Captions: photo credits, captions ending with a credit and gallery controls go; prose,
bylines and field lines that merely hold a slash or a credit word stay.

Every line below was written for this test (not taken from any benchmark set).
"""

import pytest
from conftest import BUDGET_STORY, run_steps
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.patterns import load_phrasebook
from newsclean.steps.captions import Captions, CreditShapes, names

SHAPES = CreditShapes(load_phrasebook())


@pytest.mark.parametrize(
    "line",
    [
        "Maria Kowalski/Northwind Pictures",
        "Harbour Studio//Example Images",
        "Tom Reyes / Example Press | Example Images",
        "Lukas Brandt via Example Images",
        "(Image credit: Example Games)",
        "Photograph: Harbour Studio",
        "Foto: Lukas Brandt",
        "(foto Example Press/Lukas Brandt)",
        "(Example Press Photo/Tom Reyes)",
    ],
)
def test_credit_lines(line):
    assert SHAPES.is_credit(line)


@pytest.mark.parametrize(
    "line",
    [
        "Fishing boats at dawn in the old harbour. (Tom Reyes/Example Press)",
        "Fishing boats at dawn in the old harbour (Tom Reyes/Example Press) . ",
        "Fishing boats at dawn(Image credit: Example Images)",
        "Volunteers clear the beach after the storm. Credit: Maria Kowalski",
        "A lighthouse keeper at work Credit: Harbour Studio",
        "The bridge at night. Photograph by Maria Kowalski.",
        "The bridge at night, in March 2024. Lukas Brandt/Example Images",
        "The bridge at night. Lukas Brandt/Example Images hide caption",
        "The bridge at night. Lukas Brandt via Example Images",
        "Fischerboote im alten Hafen. Foto: Lukas Brandt",
        # After a caption a credit of single words will do, and dots may glue it on.
        "The bridge at night, seen from the river. Harbourcam/Example",
        "The bridge at night.Credit...Tom Reyes/Example Press, via Example Images",
    ],
)
def test_captions_that_end_with_a_credit(line):
    assert SHAPES.ends_with_credit(line)


@pytest.mark.parametrize(
    "line",
    ["4 of 12", "7 / 9 |", "toggle caption", "Enlarge this image", "View all 24 photos", "3 von 8"],
)
def test_gallery_controls(line):
    assert SHAPES.is_control(line)


@pytest.mark.parametrize(
    "line",
    [
        # Field lines and prose with a slash, a credit word or a counter in them.
        "Team/Club: Harbour Rovers",
        "Position: PG/SG",
        "He said the and/or clause in the contract was vague and would be challenged.",
        "The vote was 5/4 in favour of the plan.",
        "Tax credit: what the new rules mean for families",
        # Regressions: a heading of single words, a numbered heading in title case, table
        # cells and a pair of dates are not credits.
        "Notes/Updates",
        "5. Never Trust a Stranger Who Calls You, Especially Via Text",
        "Location Jan/Feb (°C) Jan/Feb (°F)",
        "12 May 2019 | 3 June 2020",
        "MP2 SP / MP3 SP",
        "The council approved the photo exhibition at the library on Monday.",
        "She came second, 4 of 12 runners finishing within the hour, officials said.",
        # Bylines are the byline step's.
        "By Maria Kowalski",
        "Written by Tom Reyes",
        *BUDGET_STORY,
    ],
)
def test_lines_that_are_not_captions(line):
    assert not SHAPES.is_credit(line)
    assert not SHAPES.ends_with_credit(line)
    assert not SHAPES.is_control(line)


def test_step_removes_captions_and_the_line_between_credit_and_control():
    caption = "Fishing boats wait for the tide in the old harbour"
    text = "\n\n".join(
        [
            BUDGET_STORY[0],
            "Enlarge this image",
            caption,
            "Tom Reyes/Example Press",
            # Prose between a credit and a caption with its own credit stays.
            BUDGET_STORY[1],
            "Volunteers clear the beach after the storm. Credit: Maria Kowalski",
            *BUDGET_STORY[2:],
        ]
    )
    (draft,) = run_steps(text, "paragraphs", Captions())
    assert draft.text == "\n\n".join(BUDGET_STORY)
    reasons = {r.reason for r in draft.to_record().removed}
    assert reasons == {
        "gallery control or slide counter",
        "photo caption (between a credit and a control)",
        "photo credit",
        "photo caption (ends with a credit)",
    }


def test_step_runs_in_the_default_pipeline_between_credits_and_banners():
    from newsclean.steps import DEFAULT_STEPS

    position = DEFAULT_STEPS.index("captions")
    assert DEFAULT_STEPS[position - 1] == "credits"
    assert DEFAULT_STEPS[position + 1] == "banners"


def test_the_slides_of_a_gallery_go_by_the_counters_that_open_them():
    slides = [
        "1/24 Fishing boats wait for the tide",
        "2/24The harbour wall after the storm",
        "[3/24] Volunteers clear the beach",
    ]
    text = "\n\n".join([BUDGET_STORY[0], *slides, *BUDGET_STORY[1:]])
    (draft,) = run_steps(text, "paragraphs", Captions())
    assert draft.text == "\n\n".join(BUDGET_STORY)
    removed = draft.to_record().removed
    assert [r.reason for r in removed] == ["gallery slide (a slide counter opens it)"] * 3


@pytest.mark.parametrize(
    "lines",
    [
        # fractions opening a recipe's lines: a unit, not a title, follows them
        ["1/2 cup flour", "3/4 cup sugar", "1/4 teaspoon salt", "1/8 teaspoon nutmeg"],
        # two numbered slides are no gallery yet; a count past the number of slides is none
        ["1/12 Fishing boats wait for the tide", "2/12 The harbour wall after the storm"],
        ["24/7 Support for every customer", "12/7 Heads of state meet", "9/5 Talks resume"],
    ],
)
def test_lines_opening_with_fractions_are_no_gallery(lines):
    text = "\n\n".join([BUDGET_STORY[0], *lines, *BUDGET_STORY[1:]])
    (draft,) = run_steps(text, "paragraphs", Captions())
    assert draft.to_record().removed == []


_TAIL_PIECES = [
    "Jane", "Doe", "Agency", "via", "x", "42", "café", "а", " ", "  ", "\u00a0", "\n", ".",
    "..", "!", "?", "…", "”", '"', "“", "/", "|", "(", ")", ",", ":", "-", "_",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TAIL_PIECES), max_size=40))
def test_the_sentence_tail_is_the_search_from_every_place(pieces: list[str]) -> None:
    shapes = CreditShapes(load_phrasebook())
    text = "".join(pieces)
    whole = shapes.after_sentence.search(text)
    found = shapes.sentence_tail(text)
    assert (found and (found.span(), found.group("tail"))) == (
        whole and (whole.span(), whole.group("tail"))
    )


def test_the_sentence_tail_of_written_lines() -> None:
    shapes = CreditShapes(load_phrasebook())
    for text in [
        "Crowds gathered at the old fair on Sunday. Jane Doe/Agency",
        "He said “we will see.” Jane Doe via Agency.",
        "One two three!!! Jane Doe | Agency ..",
        "Only two words. Jane Doe/Agency",
        "No sentence end at all Jane Doe/Agency",
        "Quoted words end here” Jane Doe/Agency",
        "A. B. C. D. E/F",
        "Yes! Jane Doe 42” Agency/Name",
    ]:
        whole = shapes.after_sentence.search(text)
        found = shapes.sentence_tail(text)
        assert (found and found.span()) == (whole and whole.span()), text


_LABEL_PIECES = [
    "Photo", "photo", "Image credit", "credit", "by", "Courtesy of", "Jane", "Doe", "AGENCY",
    "x", " ", "  ", "\u00a0", ":", ".", "(", ")", "[", "]", "/", "-", "é",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_LABEL_PIECES), max_size=30))
def test_a_labelled_credit_is_the_one_searched_from_every_place(pieces: list[str]) -> None:
    shapes = CreditShapes(load_phrasebook())
    text = "".join(pieces)
    whole = shapes.labelled.search(text)
    if whole and not names(whole.group("names"), shapes.joiners):
        whole = None
    found = shapes.labelled_credit(text)
    assert (found and found.span()) == (whole and whole.span())


def test_a_labelled_credit_after_blanks_and_a_bracket() -> None:
    shapes = CreditShapes(load_phrasebook())
    for text in [
        "Crowds at the fair. \u00a0 Photo Jane Doe",
        "Crowds at the fair ( photo Agency)",
        "Crowds at dusk Credit: Jane Doe",
        "Photograph by Jane Doe",
        "   Photo: Jane Doe",
    ]:
        whole = shapes.labelled.search(text)
        found = shapes.labelled_credit(text)
        assert found is not None and found.span() == whole.span(), text
