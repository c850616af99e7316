"""Repeated blocks inside one scrape: exact and near repeats go, the first copy stays."""

import random
import re
import textwrap

import pytest
from conftest import BUDGET_STORY, run_steps

import newsclean
from newsclean.steps import repeats
from newsclean.steps.repeats import Repeats, RepeatStats, find_flattened, find_repeats, tokens

A = list(BUDGET_STORY)
SPAN = re.compile(r"at (\d+)-(\d+)")


def clean_one(text):
    records = newsclean.clean(text)
    assert len(records) == 1, [r.text for r in records]
    return records[0]


def check_repeat_removals(text, record, expected_count):
    repeats = [r for r in record.removed if r.step == "repeats"]
    assert len(repeats) == expected_count
    for removal in repeats:
        assert text[removal.start : removal.end] == removal.text
        start, end = map(int, SPAN.search(removal.reason).groups())
        first = text[start:end]
        # the reason names the first copy, which comes earlier and is kept
        assert end <= removal.start
        assert " ".join(first.split()) in record.text
        assert set(tokens(first)) & set(tokens(removal.text))
    return repeats


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_exact_repeat_of_a_run_removed_first_copy_kept(sep):
    text = sep.join(A + A)
    record = clean_one(text)
    assert record.text == "\n\n".join(A)
    repeats = check_repeat_removals(text, record, 4)
    # each removed copy points at its own first copy, in order
    assert [r.text for r in repeats] == A
    assert [text[slice(*map(int, SPAN.search(r.reason).groups()))] for r in repeats] == A


def test_near_repeat_with_a_sentence_edited_and_whitespace_changed():
    edited = list(A)
    edited[1] = edited[1].replace("by a third", "by about a third")
    edited[2] = edited[2].replace(" ", "  ").replace("autumn", "autumn session")
    text = "\n\n".join(A) + "\n\n" + "\n\n".join(" \t" + e for e in edited)
    record = clean_one(text)
    assert record.text == "\n\n".join(A)
    check_repeat_removals(text, record, 4)


def test_repeat_rewrapped_at_the_same_width():
    text = (
        "\n\n".join(textwrap.fill(a, 80) for a in A) * 1
        + "\n\n"
        + "\n\n".join(textwrap.fill(a, 80) for a in A)
    )
    record = clean_one(text)
    assert record.text == "\n\n".join(A)
    check_repeat_removals(text, record, 4)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "bug: paragraphs detects one wrap width per document, so a second copy wrapped at another "
        "width (72 then 90 columns) is cut into line fragments and the repeat is not found"
    ),
)
def test_repeat_rewrapped_at_another_width():
    text = (
        "\n\n".join(textwrap.fill(a, 72) for a in A)
        + "\n\n"
        + "\n\n".join(textwrap.fill(a, 90) for a in A)
    )
    record = clean_one(text)
    assert record.text == "\n\n".join(A)


def test_long_lone_repeat_removed_short_lone_repeat_kept():
    long_para = " ".join(A[:3])  # > 40 tokens: cannot be a coincidence
    short = "The vote is expected in the autumn."
    text = "\n\n".join([long_para, short, A[3], short, long_para])
    record = clean_one(text)
    paragraphs = record.text.split("\n\n")
    assert paragraphs.count(long_para) == 1
    assert paragraphs.count(short) == 2


QUOTE = (
    "“We will not accept any foreign troops on our soil under any circumstances,” the "
    "spokesman said."
)
OTHER = [
    "Protesters gathered outside parliament on Saturday to demand an end to the conflict and "
    "the return of prisoners of war.",
    "Police estimated the crowd at several thousand people, making it one of the largest "
    "demonstrations in the capital this year.",
    "Organisers said they would return every weekend until the government agreed to open talks "
    "with the other side.",
]


def test_quote_repeated_in_two_different_articles_is_kept():
    first = [A[0], QUOTE, A[1], A[2]]
    second = [OTHER[0], QUOTE, OTHER[1], OTHER[2]]
    text = "\n\n".join(first + second)
    records = newsclean.clean(text)
    joined = "\n\n".join(r.text for r in records)
    assert joined.count(QUOTE) == 2
    assert not any(r.step == "repeats" for rec in records for r in rec.removed)


SCORES = [
    "Northfield High d. Eastbrook",
    "Northfield (4-1): Dana Ruiz 2 goals. Sam Okafor 1 goal. Lee Brandt 6 saves.",
]


def test_short_repeat_after_an_edited_headline_is_part_of_the_run():
    # The second copy's headline has a typo (3 of 4 words shared, too few to be a repeat);
    # it still shows that the short line after it belongs to a repeated run.
    text = "\n\n".join([*A, *SCORES, "Northfield High d. Eastbrok", SCORES[1]])
    record = clean_one(text)
    assert record.text.count(SCORES[1]) == 1
    check_repeat_removals(text, record, 1)
    (draft,) = run_steps(text, "paragraphs", Repeats(edited=1.01))
    assert all(b.kept for b in draft.blocks)
    # two time stamps share their numbers, not their words: no run
    stamps = ["March 3, 2021 at 8:12 am", "Posted by Ann Lee on March 3, 2021, 7:58 AM"]
    text = "\n\n".join([*A, stamps[1], SCORES[1], stamps[0], SCORES[1]])
    record = clean_one(text)
    assert record.text.count(SCORES[1]) == 2


def test_find_repeats_maps_a_run_position_by_position():
    texts = A + ["A line in between that is new and has several words."] + A
    assert find_repeats(texts) == [None] * 5 + [0, 1, 2, 3]
    assert find_repeats([]) == []
    assert find_repeats(["", ""]) == [None, None]


def test_find_repeats_thresholds():
    a = "one two three four five six seven eight nine ten"
    b = "one two three four five six seven eight nine eleven"  # 9 of 10 shared
    assert find_repeats([a, b]) == [None, 0]
    assert find_repeats([a, b], overlap=0.95) == [None, None]


def test_tokens_casefold_and_cjk_pairs():
    assert tokens("The THE the") == ("the", "the", "the")
    assert tokens("日本語です") == ("日本", "本語", "語で", "です")


def test_repeats_hints_for_the_splitter():
    text = "\n\n".join(A + A + ["A new paragraph after the repeated run, long enough here."])
    (draft,) = run_steps(text, "paragraphs", Repeats())
    assert draft.hints["repeat_run_starts"] == {draft.blocks[0].start}
    assert draft.hints["after_repeat_runs"] == {draft.blocks[-1].start}


def test_repeated_widget_leaves_no_article_edges():
    # A caption and a data label repeated all through an article are removed as a run, but
    # they are no article saved twice: the splitter must not see article boundaries there.
    widget = ["Photo: a crowd outside the parliament building in the rain", "Position: guard"]
    text = "\n\n".join([A[0], *widget, A[1], A[2], *widget, A[3]])
    (draft,) = run_steps(text, "paragraphs", Repeats())
    assert [b.text for b in draft.blocks if not b.kept] == widget
    assert draft.hints["repeat_run_starts"] == set()
    assert draft.hints["after_repeat_runs"] == set()


def test_tokens_of_spaceless_text_inside_latin_text():
    # One test of the text decides whether any token is cut into pairs; each token still
    # decides for itself.
    assert tokens("Tokyo 東京都 ab 日本") == ("tokyo", "東京", "京都", "ab", "日本")


def test_tokens_of_ascii_text_are_the_word_runs_of_its_folded_text():
    # ASCII text takes a shorter path; it gives what \w+ gives on any text.
    rng = random.Random(8)
    alphabet = "aZ09_ -.'@\t\nÉé"
    every_ascii = "".join(map(chr, range(128)))
    for _ in range(2000):
        text = "".join(rng.choice(alphabet[: 13 if rng.random() < 0.8 else None])
                       for _ in range(rng.randint(0, 30)))
        assert tokens(text) == tuple(re.findall(r"\w+", text.casefold())), text
        text = "".join(rng.choice(every_ascii) for _ in range(rng.randint(0, 30)))
        assert tokens(text) == tuple(re.findall(r"\w+", text.casefold())), text


def test_a_step_that_found_nothing_still_finds_runs_in_other_paragraphs():
    # The step remembers paragraphs it found clean (the settling rounds bring them back);
    # other paragraphs, here the same ones and their repeat, are searched again.
    step = Repeats()
    (clean,) = run_steps("\n\n".join(A), "paragraphs", step)
    assert all(block.kept for block in clean.blocks)
    (draft,) = run_steps("\n\n".join(A + A), "paragraphs", step)
    assert [block.kept for block in draft.blocks] == [True] * len(A) + [False] * len(A)
    (again,) = run_steps("\n\n".join(A), "paragraphs", step)
    assert all(block.kept for block in again.blocks)


def test_repeats_step_is_idempotent_on_its_output():
    text = "\n\n".join(A + A)
    (record,) = newsclean.clean(text)
    (again,) = newsclean.clean(record.text)
    assert again.text == record.text
    assert again.removed == []


# --- linear work on many short paragraphs (issue 10, item 6) ---------------------------------
# The work is counted (index entries read, pairs compared), never timed.

MENU = [
    "home",
    "news",
    "sport",
    "world",
    "business",
    "culture",
    "opinion",
    "science",
    "health",
    "travel",
    "video",
    "live",
    "weather",
    "local",
    "results",
    "tables",
]


def nav_lines(n, seed=1):
    """Navigation-like lines: one to five words of a small menu vocabulary, some numbered."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        words = rng.sample(MENU, rng.randint(1, 5))
        if rng.random() < 0.3:
            words.append(str(rng.randint(1, 40)))
        lines.append(" ".join(words).title())
    return lines


def sentence_lines(n, seed=1):
    """Distinct sentences of made-up words, each with the same few common words."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ra", "te", "su", "vin", "dor", "pel", "zen", "bru", "fi"]
    lines = []
    for k in range(n):
        words = ["".join(rng.choices(syllables, k=4)) for _ in range(rng.randint(4, 9))]
        lines.append(f"The {' '.join(words)} of the day {k}.")
    return lines


def repeated_lines(n, seed=1):
    """Lines drawn from a pool of 50, so most repeat an earlier one exactly."""
    rng = random.Random(seed)
    pool = nav_lines(25, seed + 1) + sentence_lines(25, seed + 2)
    return [rng.choice(pool) for _ in range(n)]


def work(texts):
    stats = RepeatStats()
    find_repeats(texts, stats=stats)
    return stats


@pytest.mark.parametrize("make", [nav_lines, sentence_lines, repeated_lines])
def test_work_grows_linearly_with_the_paragraph_count(make):
    small, large = work(make(5_000)), work(make(20_000))
    # 4x the paragraphs: at most ~5x the comparisons (the exhaustive search made ~16x)
    assert large.comparisons <= 5 * max(small.comparisons, 1_000)
    # and a bounded amount of work per paragraph: the exhaustive search read 10,000 index
    # entries per paragraph here on average (every earlier line sharing a word)
    assert large.comparisons < 5 * 20_000
    assert large.postings < 30 * 20_000


def test_nav_lines_compare_few_pairs_per_line():
    stats = work(nav_lines(10_000))
    assert stats.comparisons < 4 * 10_000
    assert stats.postings < 20 * 10_000


def exhaustive_repeats(texts, overlap=0.8, size_ratio=0.7, near_words=repeats.NEAR_WORDS):
    """The quadratic search find_repeats replaced, as the reference: every earlier text that
    shares a word is compared.
    """
    if len(texts) < 2:
        return [None] * len(texts)
    keys = [tokens(t) for t in texts]
    sets = [frozenset(k) for k in keys]
    found = []
    for i, words in enumerate(sets):
        similar = []
        for j in range(i):
            shared = len(words & sets[j])
            if not shared:
                continue
            if (keys[i] and keys[j] == keys[i]) or (
                len(words) >= near_words
                and min(len(words), len(sets[j])) >= size_ratio * max(len(words), len(sets[j]))
                and shared >= overlap * min(len(words), len(sets[j]))
            ):
                similar.append(j)
        expected = found[-1] + 1 if found and found[-1] is not None else None
        found.append(expected if expected in similar else min(similar, default=None))
    return found


def random_texts(rng):
    """Short texts over a small vocabulary, with edited copies of earlier ones."""
    vocabulary = [f"w{k}" for k in range(rng.randint(3, 15))]
    texts = []
    for _ in range(rng.randint(0, 40)):
        if texts and rng.random() < 0.3:
            words = rng.choice(texts).split()
            if words and rng.random() < 0.5:
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
            if rng.random() < 0.3:
                words.append(rng.choice(vocabulary))
            texts.append(" ".join(words))
        else:
            texts.append(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 9))))
    return texts


@pytest.mark.parametrize("common", [0, 1, 3, 32])
def test_index_finds_what_the_exhaustive_search_finds(monkeypatch, common):
    # Without the bounds on groups of words, the index is exact, whatever the thresholds and
    # however many words are common (a low threshold makes most words common).
    monkeypatch.setattr(repeats, "COMMON_WORD_PARAGRAPHS", common)
    monkeypatch.setattr(repeats, "COMMON_CANDIDATES", 10**9)
    monkeypatch.setattr(repeats, "GROUP_WORDS", 10**9)
    rng = random.Random(common)
    thresholds = [
        (0.8, 0.7),
        (0.5, 0.5),
        (0.9, 0.9),
        (1.0, 1.0),
        (0.3, 0.2),
        (0.0, 0.0),
        (0.6, 0.0),
        (0.7, 1.2),
    ]
    for _ in range(400):
        texts = random_texts(rng)
        overlap, size_ratio = rng.choice(thresholds)
        near_words = rng.choice([3, 5, repeats.NEAR_WORDS])
        assert find_repeats(texts, overlap, size_ratio, near_words=near_words) == (
            exhaustive_repeats(texts, overlap, size_ratio, near_words)
        ), (texts, overlap, size_ratio, near_words)


def test_paragraphs_left_out_are_in_no_pair_the_exhaustive_search_finds():
    # find_repeats looks only at paragraphs with enough words found in other paragraphs;
    # every paragraph of a pair the exhaustive search finds has them, on either side.
    rng = random.Random(5)
    for _ in range(400):
        texts = random_texts(rng)
        overlap, size_ratio = rng.choice([(0.8, 0.7), (0.5, 0.5), (1.0, 1.0), (0.0, 0.0)])
        sets = [frozenset(tokens(text)) for text in texts]
        may = repeats._may_repeat(sets, overlap, size_ratio)
        for i, j in enumerate(exhaustive_repeats(texts, overlap, size_ratio)):
            if j is not None:
                assert may[i] and may[j], (texts, overlap, size_ratio, i, j)


def test_narrowing_keeps_every_pair_the_exhaustive_search_finds():
    # Asked again among the paragraphs it let in, _may_repeat still lets in both sides of
    # every pair, so a document it narrows down to fewer than two has none.
    rng = random.Random(6)
    for _ in range(400):
        texts = random_texts(rng)
        overlap, size_ratio = rng.choice([(0.8, 0.7), (0.5, 0.5), (1.0, 1.0), (0.0, 0.0)])
        sets = [frozenset(tokens(text)) for text in texts]
        may = repeats._may_repeat(sets, overlap, size_ratio)
        if any(j is not None for j in exhaustive_repeats(texts, overlap, size_ratio)):
            assert repeats._some_pair_possible(sets, may, overlap, size_ratio), texts


def test_no_index_when_the_paragraphs_let_in_share_their_words_with_others_only(monkeypatch):
    # The short line's words are all found elsewhere, but each in a long paragraph that
    # cannot repeat: asked again among the lines let in, it has nothing left to share.
    monkeypatch.setattr(repeats, "_WordIndex", None)  # building it would fail
    texts = [
        "officials opened a ferry terminal yesterday after years of delay downtown",
        "crowds of tourists praised the harbour views all summer long again",
        "opened ferry terminal years delay crowds tourists harbour summer",
    ]
    sets = [frozenset(tokens(text)) for text in texts]
    assert repeats._may_repeat(sets, 0.8, 0.7) == [False, False, True]
    assert find_repeats(texts) == [None, None, None]


def test_an_article_of_distinct_paragraphs_has_none_to_compare():
    stats = RepeatStats()
    assert find_repeats(list(BUDGET_STORY), stats=stats) == [None] * len(BUDGET_STORY)
    assert stats.postings == stats.comparisons == 0


def test_default_index_matches_the_exhaustive_search_on_generated_scrapes():
    for make in (nav_lines, sentence_lines, repeated_lines):
        texts = make(1_000, seed=7)
        assert find_repeats(texts) == exhaustive_repeats(texts)


def test_repeated_run_found_when_common_words_are_everywhere():
    # Every paragraph shares "the", "news", "of", "today" with every other one: they bring
    # no candidates, but the repeated run is still found through its rarer words.
    rng = random.Random(3)
    body = [
        "The news of today: " + " ".join(f"x{rng.randrange(10**6)}" for _ in range(8)) + "."
        for _ in range(300)
    ]
    run = [p.replace(".", " again.") for p in body[100:106]]  # each copy edited a little
    texts = body + run
    stats = RepeatStats()
    assert find_repeats(texts, stats=stats)[300:] == list(range(100, 106))
    assert stats.comparisons < 5 * len(texts)


def test_near_repeat_of_common_words_only_found():
    # Comment headers: a name, a date and a time, every word in dozens of paragraphs; the
    # near copy (another minute) is matched to the first header it nearly repeats.
    headers = [f"anna lee on march {1 + k % 3} 2021 at {8 + k % 2} {10 + k}" for k in range(40)]
    texts = [w for h in headers for w in (h, f"comment {h.split()[-1]} body x{h.split()[-1]}")]
    texts.append("anna lee on march 1 2021 at 8 59")
    assert find_repeats(texts)[-1] == exhaustive_repeats(texts)[-1] == 0


def test_clean_removes_a_repeated_run_in_a_long_navigation_dump():
    nav = nav_lines(3_000, seed=5)
    text = "\n".join([*nav[:1_000], *A, *nav[1_000:], *A])
    (record,) = newsclean.clean(text)
    assert record.text.count(A[0]) == 1
    assert sum(r.step == "repeats" and r.text in A for r in record.removed) == len(A)


# --- real repeats only (issue 13, item 3) ------------------------------------------------------


def test_short_lines_of_a_list_that_differ_in_a_word_or_a_number_are_not_repeats():
    # Rows of a table or items of a list are alike by construction: only an exact copy of a
    # short line is a repeat of it.
    rows = [f"Round {k}: pick number {k + 10}, guard, 6 ft {k} in" for k in range(1, 7)]
    items = ["Larger screen on the two top models only",
             "Brighter screen on the two top models only"]
    (draft,) = run_steps("\n\n".join([A[0], *rows, A[1], *items, A[2]]), "paragraphs", Repeats())
    assert all(b.kept for b in draft.blocks)
    # the same rows copied again below are a repeated run
    (draft,) = run_steps("\n\n".join([A[0], *rows, A[1], *rows]), "paragraphs", Repeats())
    assert [b.text for b in draft.blocks if not b.kept] == rows


def test_a_long_paragraph_edited_a_little_is_still_a_near_repeat():
    edited = A[0].replace("next month", "in the spring")
    text = "\n\n".join([*A, edited])
    (draft,) = run_steps(text, "paragraphs", Repeats(lone_words=20))
    removed = [b.text for b in draft.blocks if not b.kept]
    assert removed == [edited]


FLAT = " ".join(A)


@pytest.mark.parametrize("flat_first", [False, True])
def test_a_flattened_copy_of_the_whole_article_is_removed_either_side(flat_first):
    # The article saved a second time with its paragraph breaks lost: one line holding every
    # paragraph. Whichever comes first, the copy that keeps the paragraphs stays.
    parts = [FLAT, *A] if flat_first else [*A, FLAT]
    text = "\n\n".join(parts)
    record = clean_one(text)
    assert record.text == "\n\n".join(A)
    (removal,) = [r for r in record.removed if r.step == "repeats"]
    assert removal.text == FLAT
    assert "paragraphs" in removal.reason and "one" in removal.reason


def test_a_flattened_copy_with_a_sentence_edited_is_still_found():
    story = [*A, *OTHER]  # seven paragraphs: one edited leaves most of the copy word for word
    edited = list(story)
    edited[4] = edited[4].replace("several thousand", "about 5,000")
    text = "\n\n".join([*story, " ".join(edited)])
    (draft,) = run_steps(text, "paragraphs", Repeats())
    assert [b.text for b in draft.blocks if not b.kept] == [" ".join(edited)]


def test_a_paragraph_quoting_two_short_earlier_lines_is_not_a_flattened_copy():
    # Two earlier lines inside a longer paragraph, but most of its words are its own.
    lines = ["Vote today.", "Polls close at eight."]
    long_para = ("Campaigners stood outside every station this morning with signs reading "
                 "vote today and polls close at eight, and said turnout had been far higher "
                 "than at the last election, which was held in the rain.")
    (draft,) = run_steps("\n\n".join([A[0], *lines, long_para]), "paragraphs", Repeats())
    assert all(b.kept for b in draft.blocks)


def test_flattened_search_reads_each_long_paragraph_once():
    keys = [tokens(t) for t in sentence_lines(2_000)] + [tokens(" ".join(sentence_lines(300)))]
    stats = RepeatStats()
    assert find_flattened(keys, stats=stats) == {len(keys) - 1: list(range(300))}
    # every position of the long paragraph at most once, plus one look-up per part
    assert stats.postings <= sum(len(k) for k in keys[-1:]) + 300


def test_a_question_asked_in_each_interview_is_kept_though_once_split_in_two():
    # A series of interviews in one scrape: the same two-sentence question in each, and once
    # written as two paragraphs. The one-paragraph copies are not flattened copies of a run.
    question = ["What do you like to cook at home for your family, and what do you order when "
                "you eat out?", "Is there any dish you never eat, or one you could not live "
                "without?"]
    interviews = []
    heads = ["Lunch with Ana Ruiz", "A baker in Porto", "Turin's oldest trattoria"]
    for k, (head, answer) in enumerate(zip(heads, OTHER)):
        asked = question if k == 1 else [" ".join(question)]
        interviews += [head, *asked, answer]
    (draft,) = run_steps("\n\n".join(interviews), "paragraphs", Repeats())
    assert all(b.kept for b in draft.blocks)


def test_the_spaceless_scripts_lie_in_the_blocks_looked_at_first():
    import array
    import sys

    codes = array.array("I", range(0xD800))
    codes.extend(range(0xE000, sys.maxunicode + 1))
    chars = codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    spaceless = set(repeats._SPACELESS.findall(chars))
    assert spaceless and spaceless <= set(repeats._SPACELESS_BLOCKS.findall(chars))


def _flattened_walking_everywhere(keys, cover, min_words):
    """find_flattened as defined: every long paragraph walked, with no look first."""
    starts = {}
    for m, key in enumerate(keys):
        if len(key) >= 3:
            starts.setdefault((key[0], key[1]), []).append(m)
    found = {}
    for i, key in enumerate(keys):
        size = len(key)
        if size < min_words:
            continue
        parts, spare, position = [], size - cover * size, 0
        while position < size - 1 and spare >= 0:
            part = repeats._part_at(keys, key, position, starts, parts[-1] if parts else -1, i)
            if part < 0:
                position, spare = position + 1, spare - 1
            else:
                parts.append(part)
                position += len(keys[part])
        if len(parts) >= 2 and spare - (size - position) >= 0:
            found[i] = parts
    return found


def test_flattened_copies_are_those_a_walk_of_every_long_paragraph_finds():
    rng = random.Random(11)
    words = [f"w{k}" for k in range(12)]
    found = 0
    for _ in range(3000):
        keys = [
            tuple(rng.choice(words) for _ in range(rng.randint(1, 8)))
            for _ in range(rng.randint(2, 8))
        ]
        for _ in range(rng.randint(0, 2)):  # copies of a few paragraphs run together
            a = rng.randrange(len(keys))
            joined = [w for key in keys[a : a + rng.randint(2, 4)] for w in key]
            before = [rng.choice(words) for _ in range(rng.randint(0, 2))]
            after = [rng.choice(words) for _ in range(rng.randint(0, 3))]
            keys.insert(rng.randrange(len(keys) + 1), tuple(before + joined + after))
        cover, min_words = rng.choice([0.0, 0.5, 0.7, 0.8, 0.95, 1.0]), rng.choice([3, 5, 8, 12])
        expected = _flattened_walking_everywhere(keys, cover, min_words)
        assert find_flattened(keys, cover, min_words) == expected, (keys, cover, min_words)
        found += bool(expected)
    assert found > 300  # the generator makes flattened copies


def test_tokens_of_one_byte_text_are_the_word_runs_of_its_folded_text():
    # Text of Latin-1 letters, curly quotes and dashes takes a shorter path too; so does one
    # whose case folding leaves that repertoire (µ folds to a Greek letter) not.
    rng = random.Random(12)
    alphabet = "aZ0_ -.'é’“”—…ŒŸßµ€\u00a0"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        assert tokens.__wrapped__(text) == tuple(repeats._TOKEN.findall(text.casefold())), text


def test_some_of_the_paragraphs_of_a_scrape_without_repeats_hold_none():
    # The step answers "no repeat" without a search for paragraphs that are some of those of
    # a pass that found none (the settling rounds): a claim about find_repeats, checked on
    # generated scrapes, thresholds and subsequences.
    rng = random.Random(11)
    checked = 0
    while checked < 300:
        texts = random_texts(rng)
        overlap, size_ratio = rng.choice(
            [(0.8, 0.7), (0.5, 0.5), (1.0, 1.0), (0.3, 0.2), (0.7, 1.2)]
        )
        near_words = rng.choice([3, 5, repeats.NEAR_WORDS])
        if len(texts) > repeats.COMMON_WORD_PARAGRAPHS or any(
            j is not None for j in find_repeats(texts, overlap, size_ratio, near_words=near_words)
        ):
            continue
        checked += 1
        for _ in range(5):
            some = [text for text in texts if rng.random() < 0.6]
            found = find_repeats(some, overlap, size_ratio, near_words=near_words)
            assert found == [None] * len(some), (texts, some, overlap, size_ratio, near_words)


def test_a_step_given_some_of_the_paragraphs_it_found_no_repeat_in_answers_as_afresh():
    rng = random.Random(12)
    for _ in range(200):
        texts = [text or "x" for text in random_texts(rng)]
        some = [text for text in texts if rng.random() < 0.6]
        step = Repeats()
        run_steps("\n\n".join(texts), "paragraphs", step)
        (after,) = run_steps("\n\n".join(some), "paragraphs", step)
        (fresh,) = run_steps("\n\n".join(some), "paragraphs", Repeats())
        assert [b.removal for b in after.blocks] == [b.removal for b in fresh.blocks], some
