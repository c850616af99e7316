"""Configuration files: [tool.newsclean] / newsclean.toml, user steps and phrase lists, errors."""

import textwrap

import pytest
from conftest import BUDGET_STORY, make_document

from newsclean import Config, ConfigError, Pipeline, find_config, read_config
from newsclean.config import resolve_step

BODY = list(BUDGET_STORY[:3])
BYLINE = "By Jane Doe, Political Correspondent"

USER_STEPS = '''
from newsclean import BlockFilter


class DropBylines(BlockFilter):
    """Remove byline lines."""

    name = "drop_bylines"

    def __init__(self, max_words=8):
        self.max_words = max_words

    def judge(self, draft, blocks, index):
        text = blocks[index].text
        if text.startswith("By ") and len(text.split()) <= self.max_words:
            return "byline"
        return None
'''

# A made-up language, so no bundled phrase list can know it.
MADE_UP_APPEAL = [
    "Kara lesari,",
    "nosa zorblatu zurnalo vivas nur per vian spontado.",
    "Se vi sataxas nosa laboro, zorblatu nos hodie per monata spontado.",
    "Krundel nu",
]
MADE_UP_PHRASES = r'''
language = "xx"
[cues]
appeal = ["zorblat\\w*", "sponta\\w*"]
call_to_action = ["krundel nu"]
salutation = ["kara lesari"]
address = ["vi", "vian", "nos", "nosa"]
'''


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def clean_text(config, text):
    return Pipeline.from_config(config).clean(make_document(text))


def test_pyproject_user_step_by_reference(tmp_path, monkeypatch):
    write(tmp_path / "nc_user_steps_cfg.py", USER_STEPS)
    monkeypatch.syspath_prepend(str(tmp_path))
    write(tmp_path / "pyproject.toml", """
        [project]
        name = "x"

        [tool.newsclean]
        add = ["nc_user_steps_cfg:DropBylines"]
        disable = ["page_body", "byline", "standfirst"]
        jobs = 2

        [tool.newsclean.options.drop_bylines]
        max_words = 6
    """)
    config = read_config(tmp_path / "pyproject.toml")
    assert config.source == str(tmp_path / "pyproject.toml")
    assert config.jobs == 2
    pipeline = Pipeline.from_config(config)
    assert "drop_bylines" in pipeline.names and "page_body" not in pipeline.names
    # `add` appends after every per-document step (so after language)
    assert pipeline.names.index("drop_bylines") < pipeline.names.index("near_duplicates")
    step = next(s for s in pipeline.steps if s.name == "drop_bylines")
    assert step.max_words == 6
    (record,) = pipeline.clean(make_document("\n\n".join([BYLINE, *BODY])))
    assert record.text == "\n\n".join(BODY)
    assert [r.step for r in record.removed] == ["drop_bylines"]


def test_find_config_walks_up(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", """
        [tool.newsclean]
        disable = ["banners"]
    """)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    config = find_config(deep)
    assert config.disable == ("banners",)
    # a newsclean.toml closer to the folder wins
    write(tmp_path / "a" / "newsclean.toml", 'disable = ["links"]\n')
    assert find_config(deep).disable == ("links",)


def test_find_config_ignores_pyproject_without_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) == Config()


def test_phrase_list_makes_banners_catch_a_made_up_language(tmp_path):
    write(tmp_path / "phrases" / "xx.toml", MADE_UP_PHRASES)
    write(tmp_path / "newsclean.toml", 'patterns = ["phrases/xx.toml"]\n')
    text = "\n".join([*BODY[:2], *MADE_UP_APPEAL, BODY[2]])
    (plain,) = clean_text(Config(), text)
    assert all(line in plain.text for line in MADE_UP_APPEAL)
    config = read_config(tmp_path / "newsclean.toml")
    assert config.patterns == (str(tmp_path / "phrases" / "xx.toml"),)  # relative to the file
    (record,) = clean_text(config, text)
    assert record.text == "\n\n".join(BODY)
    assert [r.step for r in record.removed] == ["banners"] * len(MADE_UP_APPEAL)


def test_phrase_list_from_python(tmp_path):
    path = write(tmp_path / "xx.toml", MADE_UP_PHRASES)
    text = "\n".join([*BODY[:2], *MADE_UP_APPEAL, BODY[2]])
    (record,) = clean_text(Config(patterns=(str(path),)), text)
    assert record.text == "\n\n".join(BODY)


def test_unknown_step_in_config(tmp_path):
    write(tmp_path / "newsclean.toml", 'steps = ["paragraphs", "no_such_step"]\n')
    config = read_config(tmp_path / "newsclean.toml")
    with pytest.raises(ConfigError, match="unknown step 'no_such_step'"):
        Pipeline.from_config(config)


def test_unknown_step_error_names_the_file(tmp_path):
    path = write(tmp_path / "newsclean.toml", 'add = ["no_such_step"]\n')
    with pytest.raises(ConfigError, match=str(path)):
        Pipeline.from_config(read_config(path))


@pytest.mark.parametrize(
    ("reference", "message"),
    [("no_such_module_xyz:Step", "cannot import step"),
     ("os:path", "not a newsclean Step subclass"),
     ("newsclean.steps:NoSuchClass", "cannot import step")],
)
def test_bad_step_reference(reference, message):
    with pytest.raises(ConfigError, match=message):
        resolve_step(reference)
    with pytest.raises(ConfigError, match=message):
        Pipeline.from_config(Config(add=(reference,)))


def test_unknown_option_key_names_the_step():
    with pytest.raises(ConfigError, match="bad options for step 'banners'.*bogus"):
        Pipeline.from_config(Config(options={"banners": {"bogus": 1}}))


def test_options_for_a_step_not_in_the_pipeline():
    with pytest.raises(ConfigError, match="not in the pipeline: nope"):
        Pipeline.from_config(Config(options={"nope": {"x": 1}}))
    with pytest.raises(ConfigError, match="banners"):
        Pipeline.from_config(Config(disable=("banners",), options={"banners": {}}))


def test_unknown_top_level_key_names_the_file(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
        [tool.newsclean]
        disabel = ["banners"]
    """)
    with pytest.raises(ConfigError, match=rf"{path}.*unknown keys.*disabel"):
        read_config(path)


def test_bad_toml_names_the_file(tmp_path):
    path = write(tmp_path / "newsclean.toml", "steps = [\n")
    with pytest.raises(ConfigError, match=rf"{path}: not valid TOML"):
        read_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        read_config(tmp_path / "absent.toml")


def test_malformed_table_values(tmp_path):
    path = write(tmp_path / "newsclean.toml", 'jobs = "many"\n')
    with pytest.raises(ConfigError, match=str(path)):
        read_config(path)


def test_bad_phrase_list_is_a_value_error_naming_the_file(tmp_path):
    bad = write(tmp_path / "bad.toml", "[cues\n")
    with pytest.raises(ValueError, match=str(bad)):
        Pipeline.from_config(Config(patterns=(str(bad),)))
    unknown = write(tmp_path / "cat.toml", '[cues]\nnonsense = ["x"]\n')
    with pytest.raises(ConfigError, match="unknown category 'nonsense'"):
        Pipeline.from_config(Config(patterns=(str(unknown),)))


def test_bad_phrase_list_is_a_config_error(tmp_path):
    bad = write(tmp_path / "bad.toml", "[cues\n")
    with pytest.raises(ConfigError):
        Pipeline.from_config(Config(patterns=(str(bad),)))


def test_disable_unknown_step_is_an_error():
    with pytest.raises(ConfigError, match="banerz"):
        Pipeline.from_config(Config(disable=("banerz",)))


def test_step_names_rule_add_goes_before_corpus_steps():
    config = Config(steps=("paragraphs", "near_duplicates", "banners"), add=("whitespace",))
    assert config.step_names == ["paragraphs", "banners", "whitespace", "near_duplicates"]
    assert Config(add=("x:Y",), disable=("x:Y",)).step_names[-3] != "x:Y"


def test_explicit_steps_with_corpus_step_first_is_reordered_or_rejected():
    config = Config(steps=("near_duplicates", "paragraphs"))
    pipeline = Pipeline.from_config(config)
    assert pipeline.names == ["paragraphs", "near_duplicates"]


def test_config_is_frozen():
    config = Config()
    with pytest.raises(AttributeError):
        config.jobs = 3  # type: ignore[misc]
