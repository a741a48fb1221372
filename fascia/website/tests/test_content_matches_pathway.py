"""The public pages say what the pathway says.

The site's urgent warning signs, its soreness advice and its "who should not have dry
needling" lists are written by hand in `fascia/website/content/`; the pathway file
decides the same things for the self-check, screening and follow-up. These tests read
both (YAML only, no database) and fail when they drift apart: a new rule in the
pathway needs its wording on the site (the tables below), and an item on the site
needs a rule behind it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup, Tag

from fascia.pathways import DEFINITIONS_DIR, TriageOutcome, load_pathway
from fascia.pathways.rules import questions_in

CONTENT = Path(__file__).resolve().parents[1] / "content"
PATHWAY = load_pathway(DEFINITIONS_DIR / "piriformis-dry-needling.yaml")

# Screening question of each emergency triage rule -> how the site words that sign.
EMERGENCY_SIGNS = {
    "saddle_numbness": "numbness between your legs or around your back passage",
    "bladder_bowel_change": "new trouble passing urine, leaking urine, or loss of bowel control",
    "progressive_weakness": "leg or foot weakness that is getting worse",
}

# Follow-up question of each emergency follow-up rule -> its wording in the aftercare article.
FOLLOW_UP_EMERGENCY = {
    "saddle_or_bladder": "numbness between your legs or around your back passage",
    "worsening_weakness": "leg or foot weakness that is getting worse",
    "breathless_or_chest_pain": "short of breath or get chest pain",
}

# Follow-up question of each "contact today" rule -> its item in the article's same-day list.
FOLLOW_UP_SAME_DAY = {
    "new_leg_symptoms": "new numbness, tingling or weakness in the leg",
    "site_red_hot": "hot, red, swollen or oozes",
    "fever_or_unwell": "a fever or feel generally unwell",
    "bleeding_not_stopping": "bleeding does not stop after 10 minutes",
    "faint_or_drowsy": "felt very faint",
}

# Triage rules that stop or limit needling -> where the site lists them and how.
NEVER, CARE = "never", "care"
WHO_SHOULD_NOT: dict[str, tuple[str, str]] = {
    "ci-needle-phobia": (NEVER, "strong fear of needles"),
    "ci-unwilling": (NEVER, "you do not want it"),
    "ci-cannot-consent": (NEVER, "informed consent"),
    "ci-acute-illness": (NEVER, "acutely unwell"),
    "ci-lymphoedema": (NEVER, "lymphoedema"),
    "ci-skin-at-needle-site": (NEVER, "broken or infected"),
    "ci-under-minimum-age": (NEVER, "under 12"),
    "pc-bleeding-risk-blocked": (CARE, "thins the blood"),
    "pc-bleeding-risk-overridden": (CARE, "thins the blood"),
    "pc-pregnancy": (CARE, "pregnant"),
    "pc-first-trimester": (CARE, "first three months of pregnancy"),
    "pc-child-consent-missing": (CARE, "parent's or guardian's consent"),
    "pc-child": (CARE, "aged 12 to 17"),
    "pc-weak-immunity": (CARE, "weakened immune system"),
    "pc-diabetes": (CARE, "diabetes"),
    "pc-epilepsy": (CARE, "epilepsy"),
    "pc-vascular": (CARE, "varicose veins"),
    "pc-metal-allergy": (CARE, "nickel or chromium"),
    "pc-skin": (CARE, "somewhere else on your body"),
    "pc-hip-surgery": (CARE, "surgery that opened the"),
    "pc-interpreter": (CARE, "interpreter"),
    "pc-frail": (CARE, "frail"),
    "pc-psychological": (CARE, "anxious or low"),
    "pc-hyperalgesia": (CARE, "very sensitive to pain"),
}
WHO_SHOULD_NOT_SECTIONS = [
    ("therapies.yaml", "dry-needling", "who-should-not"),
    ("treatments.yaml", "dry-needling-for-piriformis-syndrome", "who-it-suits"),
]
AFTERCARE_ARTICLE = ("articles.yaml", "what-to-expect-after-dry-needling")


def load(name: str) -> Any:
    return yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))


def pages() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every page with a body: (a name for messages, the page)."""
    for name in ("conditions.yaml", "therapies.yaml", "treatments.yaml", "articles.yaml"):
        for page in load(name):
            yield f"{name}:{page['slug']}", page
    yield "site.yaml:home", load("site.yaml")["home"]


def page(name: str, slug: str) -> dict[str, Any]:
    return next(p for p in load(name) if p["slug"] == slug)


def block_html(block: dict[str, Any]) -> str:
    parts = [block.get("body", ""), block.get("intro", "")]
    parts += [step["body"] for step in block.get("steps", [])]
    parts += [item["answer"] for item in block.get("items", [])]
    return "".join(p for p in parts if p)


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def text_of(node: Tag | BeautifulSoup) -> str:
    return plain(node.get_text(" "))


def section(name: str, slug: str, anchor: str) -> BeautifulSoup:
    blocks = page(name, slug)["body"]
    return soup(next(block_html(b) for b in blocks if b.get("anchor") == anchor))


def list_after(html: BeautifulSoup, starts_with: str) -> Tag:
    """The first list after the element whose text starts with these words."""
    heading = next(
        el for el in html.find_all(["p", "h3"]) if text_of(el).startswith(starts_with.lower())
    )
    found = heading.find_next("ul")
    assert isinstance(found, Tag), starts_with
    return found


def items(ul: Tag) -> list[str]:
    return [text_of(li) for li in ul.find_all("li")]


def rule_questions(rules: Any, outcome: str) -> set[str]:
    return {q for rule in rules if str(rule.outcome) == outcome for q in questions_in(rule.when)}


def emergency_lists() -> Iterator[tuple[str, Tag]]:
    """Each urgent box's list of signs that mean calling 112."""
    for name, found in pages():
        for block in found.get("body", []):
            if block["type"] == "callout" and block.get("tone") == "urgent":
                html = soup(block_html(block))
                for paragraph in html.find_all("p"):
                    if "112" in paragraph.get_text() and paragraph.find_next("ul"):
                        yield name, paragraph.find_next("ul")  # type: ignore[misc]
                        break


class TestUrgentWarningSigns:
    def test_the_table_names_every_emergency_in_the_pathway(self) -> None:
        emergency = rule_questions(PATHWAY.triage.rules, TriageOutcome.EMERGENCY_REFERRAL)
        assert emergency == set(EMERGENCY_SIGNS)

    def test_every_page_with_an_urgent_box_lists_the_emergency_signs(self) -> None:
        found = list(emergency_lists())
        assert len(found) >= 6, [name for name, _ in found]
        for name, ul in found:
            listed = items(ul)
            assert len(listed) == len(EMERGENCY_SIGNS), (name, listed)
            for sign in EMERGENCY_SIGNS.values():
                assert sum(sign in item for item in listed) == 1, (name, sign)

    def test_the_aftercare_article_lists_every_follow_up_emergency(self) -> None:
        emergency = rule_questions(PATHWAY.follow_up.rules, "emergency")
        assert emergency == set(FOLLOW_UP_EMERGENCY)
        callout = section(*AFTERCARE_ARTICLE, "call-us")
        for sign in FOLLOW_UP_EMERGENCY.values():
            assert sign in text_of(callout), sign

    def test_the_aftercare_article_lists_every_same_day_reason_and_no_other(self) -> None:
        same_day = rule_questions(PATHWAY.follow_up.rules, "contact_today")
        assert same_day == set(FOLLOW_UP_SAME_DAY)
        first_list = section(*AFTERCARE_ARTICLE, "call-us").find("ul")
        assert isinstance(first_list, Tag)
        listed = items(first_list)
        assert len(listed) == len(FOLLOW_UP_SAME_DAY), listed
        for reason in FOLLOW_UP_SAME_DAY.values():
            assert sum(reason in item for item in listed) == 1, reason

    def test_the_chest_wall_advice_matches_the_pathways_aftercare(self) -> None:
        advice = {a.id: plain(a.text) for a in PATHWAY.follow_up.aftercare}
        assert FOLLOW_UP_EMERGENCY["breathless_or_chest_pain"] in advice["chest_wall"]
        assert "112" in advice["chest_wall"]


class TestSoreness:
    SETTLES = "settles within three days"

    def test_the_pathway_says_soreness_settles_within_three_days(self) -> None:
        advice = {a.id: plain(a.text) for a in PATHWAY.follow_up.aftercare}
        assert self.SETTLES in advice["soreness"]

    def test_the_site_gives_the_pathways_advice_when_soreness_has_not_settled(self) -> None:
        advice = {a.id: plain(a.text) for a in PATHWAY.follow_up.aftercare}
        wanted = advice["soreness_not_settling"]
        article = plain(" ".join(block_html(b) for b in page(*AFTERCARE_ARTICLE)["body"]))
        treatment = page("treatments.yaml", "dry-needling-for-piriformis-syndrome")
        treatment_text = plain(" ".join(block_html(b) for b in treatment["body"]))
        assert wanted in text_of(soup(article))
        assert wanted in text_of(soup(treatment_text))

    def test_the_follow_up_makes_the_same_promise_as_the_site(self) -> None:
        rule = next(r for r in PATHWAY.follow_up.rules if r.id == "fu-soreness-not-settling")
        advice = {a.id: plain(a.text) for a in PATHWAY.follow_up.aftercare}
        assert rule.outcome == "contact_soon"
        assert plain(rule.patient_message).rstrip(".") in advice["soreness_not_settling"]

    def test_no_page_gives_another_figure_for_how_long_soreness_lasts(self) -> None:
        duration = re.compile(r"\b(hours?|days?|weeks?)\b")
        checked = 0
        for name, found in pages():
            html = " ".join(block_html(b) for b in found.get("body", []))
            sentences = re.split(r"(?<=[.!?])\s+", text_of(soup(html)))
            for i, sentence in enumerate(sentences):
                about_soreness = any("sore" in s for s in sentences[max(0, i - 2) : i + 1])
                states_duration = re.search(r"\b(lasts?|settles?)\b", sentence)
                if about_soreness and states_duration and duration.search(sentence):
                    checked += 1
                    promised = "within three days" in sentence or "after three days" in sentence
                    assert promised, (name, sentence)
        assert checked >= 5


class TestWhoShouldNotHaveIt:
    def test_the_table_names_every_rule_that_stops_or_limits_needling(self) -> None:
        limiting = {
            r.id
            for r in PATHWAY.triage.rules
            if r.outcome
            in (TriageOutcome.NOT_SUITABLE_FOR_NEEDLING, TriageOutcome.NEEDLING_WITH_PRECAUTIONS)
        }
        assert limiting == set(WHO_SHOULD_NOT)

    def test_absolute_contraindications_are_on_the_never_list(self) -> None:
        absolute = {r.id for r in PATHWAY.triage.rules if r.id.startswith("ci-")}
        assert absolute == {rule for rule, (where, _) in WHO_SHOULD_NOT.items() if where == NEVER}

    @pytest.mark.parametrize(("name", "slug", "anchor"), WHO_SHOULD_NOT_SECTIONS)
    def test_the_never_list_is_exactly_the_absolute_contraindications(
        self, name: str, slug: str, anchor: str
    ) -> None:
        listed = items(list_after(section(name, slug, anchor), "We will not use dry needling"))
        never = [phrase for where, phrase in WHO_SHOULD_NOT.values() if where == NEVER]
        assert len(listed) == len(never), listed
        for phrase in never:
            assert sum(phrase in item for item in listed) == 1, phrase

    @pytest.mark.parametrize(("name", "slug", "anchor"), WHO_SHOULD_NOT_SECTIONS)
    def test_every_precaution_is_on_the_page_and_every_item_has_a_rule(
        self, name: str, slug: str, anchor: str
    ) -> None:
        html = section(name, slug, anchor)
        whole = text_of(html)
        care = {phrase for where, phrase in WHO_SHOULD_NOT.values() if where == CARE}
        for phrase in care:
            assert phrase in whole, phrase
        for item in items(list_after(html, "Extra care is needed")):
            assert any(phrase in item for phrase in care), item
