"""The pipeline from Python: drop, reorder and configure steps; user steps; corpus ordering."""

import pytest
from conftest import BUDGET_STORY, make_document

import newsclean
from newsclean import (
    DEFAULT_STEPS,
    BlockFilter,
    Config,
    CorpusStep,
    Pipeline,
    RunStats,
    Step,
    TextFix,
)
from newsclean.pipeline import StepError
from newsclean.steps import Banners, NearDuplicates, Paragraphs, Whitespace

BODY = list(BUDGET_STORY[:3])
BANNER = ("Dear readers, our independent journalism depends on your support. Please donate "
          "today, every contribution helps us keep our reporting free.")
BYLINE = "By Jane Doe, Political Correspondent"
TEXT = "\n\n".join([BYLINE, BODY[0], BANNER, *BODY[1:]])


class DropBylines(BlockFilter):
    """Remove byline paragraphs ("By Jane Doe")."""

    name = "drop_bylines"

    def __init__(self, prefix: str = "By "):
        self.prefix = prefix

    def judge(self, draft, blocks, index):
        text = blocks[index].text
        return "byline" if text.startswith(self.prefix) and len(text.split()) <= 8 else None


class Shout(TextFix):
    """Upper-case every paragraph (a toy text fix)."""

    name = "shout"

    def fix(self, text):
        return text.upper()


class Boom(Step):
    """Always fails."""

    name = "boom"

    def __call__(self, draft):
        raise RuntimeError("kaput")


class CountCorpus(CorpusStep):
    """Marks every draft with a cluster of all ids it saw (a toy corpus step)."""

    name = "count_corpus"

    def run_corpus(self, drafts):
        for draft in drafts:
            draft.cluster = f"n={len(drafts)}"
        return drafts


def clean_with(pipeline, text=TEXT, source="<test>"):
    return pipeline.clean(make_document(text, source))


def test_default_pipeline_names_and_clean_helper():
    pipeline = Pipeline.from_config()
    assert pipeline.names == list(DEFAULT_STEPS)
    assert pipeline.names == Pipeline.from_config(Config()).names
    (record,) = newsclean.clean(TEXT)
    assert BANNER not in record.text
    assert [r.text for r in clean_with(pipeline)] == [record.text]


def test_disable_a_step_from_python():
    (with_banners,) = clean_with(Pipeline.from_config(Config()))
    pipeline = Pipeline.from_config(Config(disable=("banners",)))
    assert "banners" not in pipeline.names
    (record,) = clean_with(pipeline)
    assert BANNER not in with_banners.text
    assert BANNER in record.text.split("\n\n")
    assert not any(r.step == "banners" for r in record.removed)


def test_steps_replaces_and_reorders():
    config = Config(steps=("paragraphs", "banners", "whitespace"))
    pipeline = Pipeline.from_config(config)
    assert pipeline.names == ["paragraphs", "banners", "whitespace"]
    (record,) = clean_with(pipeline)
    assert record.text.split("\n\n") == [BYLINE, *BODY]
    reordered = Pipeline.from_config(Config(steps=("whitespace", "paragraphs")))
    assert reordered.names == ["whitespace", "paragraphs"]


def test_with_options_configures_a_step():
    base = Config()
    assert base.with_options("banners") is base
    assert base.with_options("banners", short_words=None) is base
    config = base.with_options("banners", short_words=3).with_options("banners", notice_words=5)
    assert dict(config.options["banners"]) == {"short_words": 3, "notice_words": 5}
    assert base.options == {}  # frozen: the original is untouched
    banners = next(s for s in Pipeline.from_config(config).steps if s.name == "banners")
    assert (banners.short_words, banners.notice_words) == (3, 5)


def test_options_change_behaviour():
    # page_body's min_removed decides whether a few stray lines are trimmed
    text = "\n\n".join(["Home", "World", *BODY])
    (default,) = clean_with(Pipeline.from_config(), text)
    (strict,) = clean_with(
        Pipeline.from_config(Config().with_options("page_body", min_removed=1)), text)
    assert default.text.startswith("Home")
    assert strict.text == "\n\n".join(BODY)


def test_user_step_class_in_a_pipeline_of_instances():
    pipeline = Pipeline([Paragraphs(), Whitespace(), DropBylines(), Banners()])
    (record,) = clean_with(pipeline)
    assert record.text.split("\n\n") == BODY
    (byline,) = [r for r in record.removed if r.step == "drop_bylines"]
    assert byline.reason == "byline" and byline.text == BYLINE
    assert TEXT[byline.start : byline.end] == BYLINE


def test_user_text_fix_counts_changes():
    pipeline = Pipeline([Paragraphs(), Shout()])
    (record,) = clean_with(pipeline, "one\n\ntwo\n\n3")
    assert record.text == "ONE\n\nTWO\n\n3"
    assert record.metadata["fixes"] == {"shout": 2}


def test_user_step_added_by_reference_goes_before_corpus_steps(monkeypatch):
    import sys
    import types

    module = types.ModuleType("nc_test_user_steps")
    module.DropBylines = DropBylines
    monkeypatch.setitem(sys.modules, "nc_test_user_steps", module)
    config = Config(add=("nc_test_user_steps:DropBylines",))
    names = config.step_names
    assert names.index("nc_test_user_steps:DropBylines") < names.index("near_duplicates")
    assert names[-2:] == ["near_duplicates", "corpus_boilerplate"]
    pipeline = Pipeline.from_config(config.with_options("drop_bylines", prefix="By Jane"))
    assert "drop_bylines" in pipeline.names
    (record,) = clean_with(pipeline)
    assert BYLINE not in record.text


def test_corpus_steps_must_come_last():
    with pytest.raises(ValueError, match="before corpus steps.*paragraphs"):
        Pipeline([NearDuplicates(), Paragraphs()])
    pipeline = Pipeline([Paragraphs(), CountCorpus(), NearDuplicates()])
    assert [s.name for s in pipeline.document_steps] == ["paragraphs"]
    assert [s.name for s in pipeline.corpus_steps] == ["count_corpus", "near_duplicates"]


def test_corpus_step_sees_the_whole_run():
    pipeline = Pipeline([Paragraphs(), CountCorpus()])
    docs = [make_document(f"Document number {i} has a sentence.", f"d{i}") for i in range(3)]
    records = pipeline.run(docs)
    assert [r.cluster for r in records] == ["n=3"] * 3
    (single,) = pipeline.clean(docs[0])
    assert single.cluster == "n=1"


def test_failing_step_names_document_and_step():
    pipeline = Pipeline([Paragraphs(), Boom()])
    with pytest.raises(StepError, match=r"bad\.txt: step 'boom' failed: RuntimeError\('kaput'\)"):
        pipeline.draft(make_document("text", "bad.txt"))


def test_run_reports_failures_and_goes_on():
    pipeline = Pipeline([Paragraphs(), Boom()])
    errors = []
    stats = RunStats()
    records = pipeline.run([make_document("a", "1"), make_document("b", "2")],
                           on_error=errors.append, stats=stats)
    assert records == []
    assert len(errors) == 2 and stats.failed == 2 and stats.documents == 2
    with pytest.raises(StepError):
        pipeline.run([make_document("a", "1")])


def test_run_stats_and_empty_documents():
    pipeline = Pipeline.from_config()
    stats = RunStats()
    docs = [make_document(TEXT, "a"), make_document("   \n\n\u200b", "b")]
    records = pipeline.run(docs, stats=stats)
    assert len(records) == 1
    assert (stats.documents, stats.records, stats.empty, stats.failed) == (2, 1, 1, 0)
    assert stats.removed_by_step["banners"] >= 1


def test_run_jobs_two_equals_jobs_one():
    pipeline = Pipeline.from_config()
    docs = [make_document(TEXT + f"\n\nParagraph number {i} of the extra text.", f"d{i}")
            for i in range(6)]
    one = [r.to_json() for r in pipeline.run(docs, jobs=1)]
    two = [r.to_json() for r in pipeline.run(docs, jobs=2)]
    assert one == two


def test_explain_marks_removed_spans():
    out = Pipeline.from_config().explain(make_document(TEXT, "x.txt"))
    assert out.startswith("=== ")
    assert "x.txt" in out
    assert "- [banners: " in out
    for paragraph in BODY:
        assert f"  {paragraph}" in out


@pytest.mark.parametrize(
    ("given", "url", "created"),
    [
        ({"url": "https://example.org/a", "created": "2025-09-01"}, "https://example.org/a",
         "2025-09-01"),
        ({"url": None, "created": None}, None, None),
        ({"url": {"href": "x"}, "created": 1725148800}, None, None),
    ],
)
def test_url_and_created_from_the_input_keep_their_type(given, url, created):
    """A value that is not a string stays in the metadata as it came, not in a typed field."""
    document = newsclean.Document("d", "d.jsonl:1", "\n\n".join(BODY), dict(given))
    [record] = newsclean.Pipeline.from_config().clean(document)
    assert (record.url, record.created) == (url, created)
    kept = {k: v for k, v in given.items() if v is not None and not isinstance(v, str)}
    assert {k: record.metadata[k] for k in kept} == kept
    assert newsclean.Record.from_json(record.to_json()) == record


@pytest.mark.parametrize(
    "given",
    [
        {"removed": 5},
        {"removed": [{"step": 1}]},
        {"removed": "a field of another tool"},
        {"fixes": {"unicode": "x"}},
        {"fixes": [1]},
    ],
)
def test_an_earlier_account_that_is_not_ours_stays_in_the_metadata(given):
    document = newsclean.Document("d", "d.jsonl:1", "\n\n".join(BODY), dict(given))
    [record] = newsclean.Pipeline.from_config().clean(document)
    [(key, value)] = given.items()
    assert record.metadata[key] == value
    assert record.removed == []


def test_an_earlier_account_is_carried_into_the_record():
    earlier = {"step": "banners", "reason": "appeal", "start": 0, "end": 6, "text": "Donate"}
    metadata = {"removed": [earlier], "fixes": {"unicode": 2}}
    document = newsclean.Document("d", "d.jsonl:1", "\n\n".join(BODY), metadata)
    [record] = newsclean.Pipeline.from_config().clean(document)
    assert record.removed[0].to_dict() == earlier
    assert record.metadata["fixes"]["unicode"] >= 2
    assert "removed" not in record.metadata


# --- the step registry, metadata-only steps, what is loaded before workers fork ------------


def test_the_registry_is_a_read_only_mapping_in_the_default_order():
    from collections.abc import Mapping, MutableMapping

    from newsclean.steps import STEPS, is_corpus_step

    assert isinstance(STEPS, Mapping) and not isinstance(STEPS, MutableMapping)
    assert tuple(STEPS) == DEFAULT_STEPS and len(STEPS) == len(DEFAULT_STEPS)
    assert STEPS["banners"] is Banners and STEPS.get("no_such_step") is None
    for name, cls in STEPS.items():
        assert cls.name == name
        assert is_corpus_step(name) == issubclass(cls, CorpusStep)
    with pytest.raises(AttributeError, match="no attribute 'NoSuchStep'"):
        from newsclean import steps

        steps.NoSuchStep  # noqa: B018


def test_a_metadata_only_step_is_skipped_when_metadata_is_not_wanted():
    pipeline = Pipeline.from_config(Config(disable=("near_duplicates", "corpus_boilerplate")))
    assert [s.name for s in pipeline.steps if s.metadata_only] == ["language"]
    [full] = pipeline.draft(make_document(TEXT))
    [plain] = pipeline.draft(make_document(TEXT), metadata=False)
    assert full.metadata.pop("language") == "en" and "language" not in plain.metadata
    assert plain.to_record() == full.to_record()


class Counted(Step):
    """Removes nothing; counts the calls of its ``before_fork`` hook."""

    name = "counted"
    forks = 0

    @classmethod
    def before_fork(cls):
        cls.forks += 1

    def __call__(self, draft):
        return [draft]


class CountedMetadata(Counted):
    """As :class:`Counted`, for a step that only fills metadata."""

    name = "counted_metadata"
    metadata_only = True
    forks = 0


def test_before_fork_is_called_once_per_step_class(monkeypatch):
    from newsclean.patterns import load_phrasebook

    book = load_phrasebook()
    monkeypatch.setattr(book._index, "_finder", None)  # as a fresh book has it
    monkeypatch.setattr(Counted, "forks", 0)
    monkeypatch.setattr(CountedMetadata, "forks", 0)
    pipeline = Pipeline([Paragraphs(), Counted(), Counted(), CountedMetadata()])
    pipeline.before_fork(metadata=False)
    assert (Counted.forks, CountedMetadata.forks) == (1, 0)
    assert book._index._finder is not None  # the phrase books are made ready too
    pipeline.before_fork()
    assert (Counted.forks, CountedMetadata.forks) == (2, 1)


def test_a_run_with_workers_loads_what_the_steps_share_once(monkeypatch):
    monkeypatch.setattr(Counted, "forks", 0)
    pipeline = Pipeline([Paragraphs(), Counted(), Counted()])
    documents = [make_document(text, f"<{k}>") for k, text in enumerate(BODY)]
    assert len(pipeline.run(documents, jobs=2)) == len(BODY)
    assert Counted.forks == 1  # in this process, before the workers were forked
    pipeline.run(documents, jobs=1)
    assert Counted.forks == 1  # no worker, nothing to prepare for
