"""Banners: appeals in seven languages in every shape and position, other page furniture, and
real news prose that merely mentions the same words (which must stay).

Every appeal below was written for this test (not taken from any benchmark set).
"""

import random

import pytest
from conftest import BUDGET_STORY, make_document, run_steps

import newsclean
from newsclean import Config, Pipeline
from newsclean.steps import banners as banners_module
from newsclean.steps.banners import Banners, measure

ARTICLE = list(BUDGET_STORY)

# (salutation, body sentences..., button)
APPEALS = {
    "en": [
        "A note to our readers:",
        "Our reporters work every day to bring you independent journalism that holds the "
        "powerful to account.",
        "We do not have a paywall, because we believe everyone deserves access to accurate news.",
        "If you value our reporting, please consider a monthly contribution. Every donation, "
        "however small, keeps us going.",
        "Support us today",
    ],
    "es": [
        "Querido lector:",
        "Nuestro periodismo independiente depende de lectores como usted.",
        "Si valora nuestro trabajo, considere hacer una donación o suscribirse hoy mismo.",
        "Cada aportación, por pequeña que sea, nos ayuda a seguir informando con libertad.",
        "Apóyanos ahora",
    ],
    "de": [
        "Liebe Leserin, lieber Leser,",
        "unser unabhängiger Journalismus wird von Menschen wie Ihnen finanziert.",
        "Wenn Ihnen unsere Berichterstattung wichtig ist, unterstützen Sie uns bitte mit einem "
        "monatlichen Beitrag.",
        "Jeder Euro hilft uns, weiter kritisch und frei zu berichten.",
        "Jetzt spenden",
    ],
    "fr": [
        "Chers lecteurs,",
        "notre rédaction indépendante ne vit que grâce à vos dons et à vos abonnements.",
        "Si vous appréciez notre travail, soutenez-nous dès aujourd'hui par un don mensuel.",
        "Chaque contribution, même modeste, compte pour nous.",
        "Je fais un don",
    ],
    "ru": [
        "Дорогие читатели!",
        "Наша независимая журналистика существует только благодаря вашей поддержке.",
        "Если вы цените нашу работу, пожалуйста, поддержите нас ежемесячным пожертвованием.",
        "Любая сумма важна для нас.",
        "Поддержать",
    ],
    "pt": [
        "Caro leitor,",
        "o nosso jornalismo independente depende do apoio de leitores como você.",
        "Se valoriza o nosso trabalho, considere fazer uma doação ou assinar hoje.",
        "Cada contribuição, por menor que seja, faz a diferença para a nossa redação.",
        "Apoie agora",
    ],
    "it": [
        "Cari lettori,",
        "il nostro giornalismo indipendente vive grazie al vostro sostegno.",
        "Se apprezzate il nostro lavoro, sostenete la nostra redazione con una donazione o un "
        "abbonamento.",
        "Ogni contributo, anche piccolo, conta.",
        "Sostienici ora",
    ],
}

POSITIONS = {"top": 0, "middle": 2, "end": len(ARTICLE)}


def layout(paragraphs, form):
    """Join paragraphs as a scrape; ``block`` scrapes are one paragraph per line."""
    return ("\n" if form == "block" else "\n\n").join(paragraphs)


def appeal_text(lines, form):
    if form == "single":  # the body sentences as one paragraph
        return " ".join(lines[1:-1])
    if form == "flat":  # the whole banner flattened onto one line
        return " ".join(lines)
    return "\n".join(lines)  # multi-line block


def clean_one(text):
    records = newsclean.clean(text)
    assert len(records) == 1, [r.text for r in records]
    return records[0]


def assert_only_article_left(text, record, step="banners"):
    assert record.text == "\n\n".join(ARTICLE), [
        p for p in record.text.split("\n\n") if p not in ARTICLE
    ]
    for removal in record.removed:
        assert text[removal.start : removal.end] == removal.text
    assert any(r.step == step for r in record.removed)


def appeal_cases():
    for language in APPEALS:
        for form in ("single", "block", "flat"):
            for position in POSITIONS:
                yield pytest.param(language, form, position, id=f"{language}-{form}-{position}")


@pytest.mark.parametrize(("language", "form", "position"), list(appeal_cases()))
def test_appeal_removed(language, form, position):
    paragraphs = list(ARTICLE)
    paragraphs.insert(POSITIONS[position], appeal_text(APPEALS[language], form))
    text = layout(paragraphs, form)
    record = clean_one(text)
    assert_only_article_left(text, record)
    for removal in record.removed:
        if removal.step == "banners":
            assert any(k in removal.reason for k in ("appeal", "call to action")), removal


@pytest.mark.parametrize(
    "language",
    ["en", "es", "fr", "pt", "de", "ru"],
)
def test_appeal_in_blank_separated_lines(language):
    paragraphs = list(ARTICLE)
    paragraphs[2:2] = APPEALS[language]
    text = "\n\n".join(paragraphs)
    assert_only_article_left(text, clean_one(text))


def test_banners_step_alone_removes_appeal_with_reasons():
    text = "\n".join([*ARTICLE[:2], *APPEALS["en"], *ARTICLE[2:]])
    pipeline = Pipeline.from_config(Config(steps=("paragraphs", "banners")))
    (record,) = pipeline.clean(make_document(text))
    assert record.text == "\n\n".join(ARTICLE)
    assert len(record.removed) == len(APPEALS["en"])
    assert {r.step for r in record.removed} == {"banners"}
    assert all(r.reason for r in record.removed)


FURNITURE = [
    ("share", "Share on Facebook"),
    ("share", "Share this article"),
    ("share", "Follow us on Twitter"),
    ("share", "Facebook Twitter WhatsApp Email"),
    ("newsletter", "Sign up for our daily newsletter and get the top stories in your inbox."),
    ("newsletter", "Enter your email address"),
    ("cookie", "We use cookies to improve your browsing experience. Accept all"),
    ("cookie", "This site uses cookies. By continuing to browse you agree to our use of cookies."),
    ("advert", "Advertisement"),
    ("advert", "ADVERTISEMENT - SCROLL TO CONTINUE"),
    ("reading", "5 min read"),
    ("reading", "Reading time: 4 minutes"),
    ("reading", "Listen to this article"),
    ("caption", "Photo: Jane Doe / Getty Images"),
    ("caption", "Image caption, Protesters gathered outside parliament"),
    ("caption", "AFP via Getty Images"),
    ("copyright", "© 2025 Example News. All rights reserved."),
    pytest.param(
        "copyright",
        "This material may not be published, broadcast, rewritten or redistributed.",
    ),
    ("copyright", "Copyright 2025 The Daily Example"),
    # Notices in other languages, in wordings of their own (the share word alone is a small
    # part of the line; a consent notice is a plain sentence).
    ("cookie", "We use cookies to give you the best experience."),
    ("cookie", "Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten."),
    ("cookie", "Ce site utilise des cookies."),
    ("cookie", "Questo sito utilizza cookie."),
    ("cookie", "Utilizamos cookies para mejorar tu experiencia."),
    ("share", "Diesen Artikel teilen"),
    ("share", "Partager cet article"),
    ("share", "Compartilhe esta matéria"),
    ("share", "Поделиться статьей"),
    ("share", "Condividi questo articolo"),
    ("share", "Kommentare (12)"),
    ("share", "12 commentaires"),
    ("share", "Комментарии (12)"),
    ("reading", "Écouter cet article"),
    ("newsletter", "Recibe nuestro boletín en tu correo cada mañana."),
    ("newsletter", "Получайте нашу рассылку каждое утро на почту."),
    # The lines of an embedded post around its text.
    ("share", "View this post on Instagram"),
    ("share", "A post shared by Example Bakery (@example.bakery)"),
    ("share", "Ein Beitrag geteilt von Beispiel Verlag (@beispielverlag)"),
    ("share", "Voir cette publication sur Instagram"),
    # A call to action in capitals, whatever else it names.
    ("call_to_action", "CLICK HERE TO GET THE EXAMPLE TIMES APP ON YOUR PHONE"),
    ("call_to_action", "ENJOY THE MORNING BRIEFING ANYWHERE BY CLICKING HERE"),
    ("call_to_action", "HIER KLICKEN FÜR ALLE ERGEBNISSE DES SPIELTAGS"),
    ("call_to_action", "CLIQUEZ ICI POUR VOIR TOUS LES RÉSULTATS"),
    ("call_to_action", "HAZ CLIC AQUÍ PARA VER TODOS LOS RESULTADOS"),
    # The consent line under a sign-up form, in wordings of their own.
    ("newsletter", "By registering you accept our terms and conditions; you must be over 18."),
    ("newsletter", "Protected by reCAPTCHA: your data is handled under our privacy policy."),
    ("newsletter", "Mit der Anmeldung akzeptieren Sie unsere AGB. Kein Spam, versprochen."),
    ("newsletter", "En vous inscrivant, vous acceptez nos conditions générales. Pas de spam."),
    ("newsletter", "Al suscribirte aceptas los términos y condiciones. Sin spam."),
    ("newsletter", "Ao se inscrever, você aceita os termos e condições. Sem spam."),
    ("newsletter", "Iscrivendoti accetti i termini e condizioni. Niente spam."),
    ("newsletter", "Подписываясь, вы принимаете условия использования. Без спама."),
    ("appeal", "Sie haben 3 von 5 kostenlosen Artikeln gelesen. Jetzt weiterlesen mit einem Abo."),
    ("appeal", "Vous avez lu 3 articles gratuits ce mois-ci. Abonnez-vous pour continuer à lire."),
    ("appeal", "Has leído 3 de 5 artículos gratuitos. Suscríbete para seguir leyendo."),
    ("appeal", "Hai letto 3 articoli gratuiti questo mese. Abbonati per continuare a leggere."),
    (
        "appeal",
        "Вы прочитали 3 из 5 бесплатных статей. Оформите подписку, чтобы продолжить чтение.",
    ),
]


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize(("kind", "line"), FURNITURE)
def test_page_furniture_removed(kind, line, position):
    paragraphs = list(ARTICLE)
    paragraphs.insert(POSITIONS[position], line)
    text = "\n\n".join(paragraphs)
    record = clean_one(text)
    assert record.text == "\n\n".join(ARTICLE), [
        p for p in record.text.split("\n\n") if p not in ARTICLE
    ]
    (removal,) = [r for r in record.removed if r.text == line]
    # A photo credit may be taken by the captions step, which runs first.
    assert removal.step in ({"banners", "captions"} if kind == "caption" else {"banners"})


NEWS_PROSE = [
    # mentions a newsletter
    "The company said its newsletter, which reaches more than two million subscribers, would "
    "stop publishing at the end of the month after advertisers pulled out.",
    # a donation
    "The billionaire announced a donation of $50 million to the city's hospital on Friday, the "
    "largest single gift in its history.",
    "Donations to the flood relief fund have topped €2 million since the appeal was launched "
    "last week, organisers said.",
    # cookies (the food and the web kind)
    "The bakery, which sells 10,000 cookies a day, was fined for breaching hygiene rules, the "
    "inspectors said on Monday.",
    "Regulators fined the tech giant for placing tracking cookies without consent, in the "
    "largest privacy penalty handed down this year.",
    "The recipe says to use cookies that are a day old, because fresh ones crumble in the "
    "mixer, the baker explained.",
    "Der Verlag hat nach eigenen Angaben 12 Kommentare unter dem Artikel gelöscht, weil sie "
    "gegen die Regeln verstießen, sagte ein Sprecher.",
    "Le site utilise des cookies publicitaires sans le consentement des internautes, a estimé "
    "la commission, qui lui inflige une amende.",
    # a post someone shared, told in a sentence
    "The mayor apologised after a post shared by her office (@cityhall) on Friday named the "
    "wrong school, a spokesman said.",
    # terms and conditions in a story
    "The court ruled that the airline's terms and conditions, which passengers accept by "
    "clicking a box, could not override their right to a refund.",
    "By submitting the bid two days late, the company broke the tender rules, the auditors "
    "found in their report to parliament.",
    # a subscription
    "Netflix said subscription revenue rose 15 percent in the quarter as it added eight million "
    "new subscribers in Asia and Latin America.",
    "The newspaper, which put its website behind a paywall in 2019, now has 300,000 digital "
    "subscribers, its publisher told shareholders.",
    # quoted appeals with attribution
    "“Please donate, every dollar helps the families who lost their homes,” she said.",
    '"We need your support to keep the shelter open through the winter," the charity\'s '
    "director told reporters on Sunday.",
    "«Поддержите нас, пожалуйста», — сказал директор приюта журналистам.",
    # interview answers that talk to "you"
    "You have to support your local businesses if you want the town centre to survive, the "
    "mayor argued in a speech to traders on Thursday.",
    # a sentence about sharing / following
    "Facebook declined to comment on the report, which was first published by a German "
    "newspaper on Tuesday.",
    "Police said they would follow up on every tip they receive about the missing painting.",
    # photography in the story itself
    "The photo, taken by a tourist on a mobile phone, shows the bridge moments before it "
    "collapsed into the river.",
]


@pytest.mark.parametrize("prose", NEWS_PROSE)
def test_real_news_prose_that_mentions_cue_words_stays(prose):
    for position in (0, 2, len(ARTICLE)):
        paragraphs = list(ARTICLE)
        paragraphs.insert(position, prose)
        record = clean_one("\n\n".join(paragraphs))
        assert prose in record.text.split("\n\n"), (position, record.removed)


@pytest.mark.parametrize("subheading", ["A CLOSE RACE IN THE NORTH", "WHERE TO GO FROM HERE"])
def test_subheading_in_capitals_with_a_one_word_cue_stays(subheading):
    paragraphs = list(ARTICLE)
    paragraphs.insert(2, subheading)
    record = clean_one("\n\n".join(paragraphs))
    assert subheading in record.text.split("\n\n"), record.removed


def test_article_about_donations_is_kept_whole():
    article = [
        "Charities in the region say donations have fallen sharply this year as households "
        "struggle with rising energy bills and food prices.",
        "“People still want to give, but many simply cannot afford to,” said the director of "
        "the food bank, which relies on donations for most of its supplies.",
        "The food bank has asked local supermarkets to contribute surplus stock, and several "
        "have agreed to support the scheme for at least a year.",
        "Subscription boxes and monthly donation plans have become more popular with younger "
        "donors, according to a survey published by the charity commission.",
    ]
    text = "\n\n".join(article)
    record = clean_one(text)
    assert record.text == text
    assert record.removed == []


def test_verdict_reason_names_the_category():
    banners = Banners()

    for line, word in [
        ("Share on Facebook", "share"),
        ("Advertisement", "advertisement"),
        ("We use cookies. Accept all", "cookie"),
    ]:
        reason = banners.verdict(line, measure(banners.book, line))
        assert reason and word in reason, (line, reason)


# --- growth over neighbouring lines: linear, and the same as sweeping ------------------------


def sweep_grow(joins, inside, reasons):
    """The rule as it reads: sweep from first to last line until a sweep changes nothing."""
    reasons = list(reasons)
    changed = True
    while changed:
        changed = False
        for i in range(len(reasons)):
            if reasons[i]:
                continue
            neighbour = next(
                (reasons[j] for j in (i - 1, i + 1) if 0 <= j < len(reasons) and reasons[j]), None
            )
            sandwiched = 0 < i < len(reasons) - 1 and reasons[i - 1] and reasons[i + 1]
            if neighbour and (joins[i] or (sandwiched and inside[i])):
                reasons[i] = neighbour.removesuffix(" (next to a banner)") + " (next to a banner)"
                changed = True
    return reasons


class CountingBanners(Banners):
    """Judges each line by given flags (its index stands for its signals), counting checks."""

    def __init__(self, joins, inside):
        self.joins, self.inside, self.checks = joins, inside, 0

    def joins_neighbour(self, signals):
        self.checks += 1
        return self.joins[signals]

    def inside_banner(self, signals):
        return self.inside[signals]


def grow(joins, inside, reasons):
    banners = CountingBanners(joins, inside)
    reasons = list(reasons)
    banners._grow([None] * len(reasons), list(range(len(reasons))), reasons)
    return reasons, banners.checks


def test_grow_gives_the_reasons_sweeping_gives():
    rng = random.Random(2)
    for _ in range(3_000):
        n = rng.randint(0, 14)
        joins = [rng.random() < 0.5 for _ in range(n)]
        inside = [rng.random() < 0.5 for _ in range(n)]
        reasons = [
            rng.choice(
                [None, None, None, "appeal", "cookie notice", "share line (next to a banner)"]
            )
            for _ in range(n)
        ]
        assert grow(joins, inside, reasons)[0] == sweep_grow(joins, inside, reasons)


def test_banner_grows_up_a_long_run_with_few_checks_per_line():
    # A banner at the end of 20,000 lines that each join it: sweeping took one sweep over
    # the whole scrape per line (quadratic); each line is now checked about once.
    n = 20_000
    reasons, checks = grow([True] * n, [False] * n, [None] * (n - 1) + ["appeal"])
    assert reasons[0] == "appeal (next to a banner)"
    assert checks <= 2 * n


def test_a_caption_the_captions_step_took_is_a_banner_neighbour():
    # Regression: a short line between a photo credit (taken by `captions`, which runs
    # first) and a share bar went with them while `banners` took credits itself; it must
    # still, or it is left above the article for the headline step to take as the title.
    text = "\n\n".join(
        [
            *ARTICLE[:1],
            "Jane Doe/Example Images",
            "Review by Tom Reyes",
            "Share this article",
            *ARTICLE[1:],
        ]
    )
    record = clean_one(text)
    assert record.text == "\n\n".join(ARTICLE)
    steps = {r.text: r.step for r in record.removed}
    assert steps["Jane Doe/Example Images"] == "captions"
    assert steps["Review by Tom Reyes"] == "banners"


def test_each_distinct_line_of_a_long_dump_is_measured_once(monkeypatch):
    # A navigation dump has more distinct lines than the step's caches hold: each is still
    # looked up in the phrase book once (its signals), not again for its verdict.
    step = Banners()
    scanned = []
    scan = step.book.scan
    monkeypatch.setattr(step.book, "scan", lambda cats, t: scanned.append(t) or scan(cats, t))
    lines = [f"Menu {n} zqv tweet" for n in range(9000)]
    run_steps("\n".join(lines + lines), "paragraphs", step)
    assert len(scanned) == len(set(scanned)) == len(lines)


# --- menus written on one line --------------------------------------------------------------

MENUS = [
    "Home | World | Politics | Business | Science | Weather",
    "Portugal – português | España – español | France – français | Italia – italiano | "
    "Österreich – deutsch",
    "About us · Careers · Contact · Terms of use · Edit this page",
    "Startseite • Politik • Wirtschaft • Kultur • Sport",
]


@pytest.mark.parametrize("menu", MENUS)
@pytest.mark.parametrize("position", [0, 2, len(ARTICLE)])
def test_a_menu_written_on_one_line_goes(menu, position):
    paragraphs = list(ARTICLE)
    paragraphs.insert(position, menu)
    record = clean_one("\n\n".join(paragraphs))
    assert record.text == "\n\n".join(ARTICLE)
    (removal,) = [r for r in record.removed if r.text == menu]
    assert removal.step == "banners" and "navigation" in removal.reason


@pytest.mark.parametrize(
    "line",
    [
        # a row of figures: a table, not a menu
        "Region | 2022 | 2023 | 2024 | change",
        # long items: a sentence that uses bars
        "The plan has three parts | a tax on fuel that rises each year | support for buses "
        "in rural areas | money for new cycle lanes in the cities | a review in 2027",
        # too few items: a section and a headline
        "Politics | Coalition agrees budget after all-night talks",
    ],
)
def test_lines_with_separators_that_are_no_menu_stay(line):
    paragraphs = list(ARTICLE)
    paragraphs.insert(2, line)
    record = clean_one("\n\n".join(paragraphs))
    assert line in record.text.split("\n\n"), record.removed


def test_a_paragraph_without_a_furniture_cue_is_not_measured(monkeypatch):
    # Most paragraphs of an article hold no cue of a furniture category: no reason can hold
    # for them, so they are measured only next to a banner (where they may join it).
    step = Banners()
    scanned = []
    scan = step.book.scan
    monkeypatch.setattr(step.book, "scan", lambda cats, t: scanned.append(t) or scan(cats, t))
    far = "The council met on Tuesday to discuss the new bridge over the river."
    between = "Plain prose between them, nothing more."
    near = "You and we: us, our, your."
    assert not any(step.book.may_hold(banners_module.FURNITURE, t) for t in (far, between, near))
    run_steps("\n\n".join([far, between, near, "Tweet this"]), "paragraphs", step)
    assert far not in scanned and near in scanned and "Tweet this" in scanned


def test_no_verdict_without_a_furniture_cue():
    # What the step relies on to skip measuring: every reason needs a furniture cue, whatever
    # else a paragraph has (address, capitals, quotes, shortness, no sentence end).
    step = Banners(short_words=40, notice_words=80)
    for text in [
        "We are so grateful to you, our readers, for everything.",
        "YOU SHOULD TRY IT",
        "WE NEED YOU",
        "Thank you!",
        "“You were right,” she said.",
        "You and we: us, our, your",
        "",
    ]:
        assert not step.book.may_hold(banners_module.FURNITURE, text), text
        assert step.verdict(text, measure(step.book, text)) is None, text


def test_a_menu_without_a_furniture_cue_goes():
    # Regression (two branches merged): the skip of paragraphs without a furniture cue must
    # still ask whether the paragraph is a menu written on one line, the one reason that
    # needs no cue.
    menu = "Politics | Business | Science | Culture | Travel | Opinion"
    step = Banners()
    assert not step.book.may_hold(banners_module.FURNITURE, menu)
    paragraphs = list(ARTICLE)
    paragraphs.insert(2, menu)
    record = clean_one("\n\n".join(paragraphs))
    assert menu not in record.text
