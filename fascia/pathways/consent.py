"""Consent to dry needling: the text the patient is shown, made from the pathway's own data.

The risks and their figures are the pathway's (`adverse_events`: the kinds of event and the
published rates, each figure naming its source id); what to expect after needling is its
aftercare advice, and what happens in a session its protocol. The plain-words explanations
around them are written here, once, for every pathway. So a new pathway version, or a
corrected rate, gives a new consent text without anyone retyping a figure.

A text is versioned: `version` names the pathway version and the version of the wording
here (`WORDING_VERSION`), and `sha256` the exact text, so a recorded consent keeps what the
patient was shown. A consent text changes only with a new `WORDING_VERSION` or pathway.

`consent_requirements` reads the pathway's own rules for who may consent and with whom:
under the minimum age no one may consent to needling; a young person needs a parent or
guardian; a patient who asked for an interpreter consents with one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from fascia.pathways.models import CLINIC_POLICY, Pathway, PublishedRate, TriageRule
from fascia.pathways.rules import AnswerValue, holds

Cite = Callable[[Iterable[str]], str]
"""Names the sources of what was just said (" [id, id]"), leaving out clinic policy."""

WORDING_VERSION = 1
"""The version of the wording below. Raise it whenever a sentence here changes."""

TITLE = "Consent to dry needling"

# The pathway's triage rules that say who may consent, read by `consent_requirements`.
MINIMUM_AGE_RULE = "ci-under-minimum-age"
GUARDIAN_RULE = "pc-child"
INTERPRETER_RULE = "pc-interpreter"

# What each kind of adverse event means, in plain words, by the pathway's event type ids.
# An entry is told when the pathway lists one of its types; where the pathway has aftercare
# advice for it (by advice id), the advice is told instead of the meaning written here.
# `{name}` is the pathway's name of the event type, in lower case.
COMMON_EFFECTS = (
    (
        ("pain_after",),
        "Soreness afterwards",
        "The muscle may feel sore for a few days.",
        ("soreness", "soreness_not_settling"),
    ),
    (
        ("pain_during",),
        "Pain while the needles are in",
        "A needle can hurt for a moment as it goes in, and the muscle may twitch or ache "
        "like a cramp.",
        (),
    ),
    (
        ("bruising", "bleeding"),
        "Bruising or bleeding",
        "A small bruise or a spot of blood can appear where a needle went in.",
        ("bruising",),
    ),
    (
        ("symptoms_worse",),
        "Pain flaring up",
        "Your usual pain can feel worse for a short time before it gets better.",
        (),
    ),
    (
        ("drowsiness",),
        "Feeling tired",
        "Some people feel tired or drowsy afterwards. Do not drive until it has passed.",
        (),
    ),
    (
        ("fainting",),
        "Feeling faint, or fainting",
        "Some people feel light-headed or faint, and a few faint. You will be lying down. "
        "Tell your physiotherapist at once if you feel unwell, and rest before you leave.",
        (),
    ),
)
RARE_RISKS = {
    "new_neurological_symptoms": (
        "Nerve irritation",
        "Nerves run close to some of these muscles, and rarely a needle irritates one. "
        "Tell us the same day if you notice {name}.",
    ),
    "needle_site_infection": (
        "Infection",
        "The needles are sterile and your skin is cleaned first, so an infection where a "
        "needle went in is rare. Call us if a needle site becomes red, hot, swollen or leaks, "
        "or if you get a fever.",
    ),
    "retained_needle": (
        "A needle left behind",
        "Every needle is counted as it goes in and as it comes out, so that none is left "
        "in your body.",
    ),
}
CALL_US_ADVICE = ("call_us", "emergency")
# The pathway's aftercare advice for a muscle near the chest wall. Its muscles are those
# whose cautions ask about warning signs after needling (`ask_after_needling`): a needle
# that reached the lung shows itself hours later.
CHEST_WALL_ADVICE = "chest_wall"

# What happens in a session, by the pathway's session step id, in the protocol's order.
# Steps not listed here (the consent itself, for one) are not described to the patient.
SESSION_STEPS = {
    "assessment_today": "Your physiotherapist examines you first and asks the safety "
    "questions again.",
    "safety_rechecked": "At every session they check whether anything has changed that "
    "makes needling unsafe for you.",
    "position": "You lie down so that your physiotherapist can reach the muscle comfortably.",
    "hand_hygiene": "Your physiotherapist cleans their hands, and wears gloves when needed.",
    "skin_cleaned": "The skin is cleaned where the needles will go in.",
    "sterile_needles": "Every needle is sterile, comes in its own sealed pack and is used "
    "only once, for you.",
    "needles_counted_in": "The needles are counted as they go in, and again as they come "
    "out, so that none is left behind.",
    "treatment": "You may feel a small prick as a needle goes in. The needles may be moved "
    "gently and taken out within moments, or left in place for a while: your "
    "physiotherapist will tell you which they plan.",
    "needles_counted_out": "Used needles go straight into a closed box for sharp waste.",
    "aftercare_given": "Afterwards you are told how to look after yourself and what to watch for.",
}


@dataclass(frozen=True)
class ConsentSection:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ConsentText:
    """A consent text: its version, its sections, the same as plain text, and its hash."""

    version: str
    sections: tuple[ConsentSection, ...]
    text: str
    sha256: str
    sources: tuple[str, ...]
    """The ids of the sources the text cites, in the order it first cites them."""


def consent_text(pathway: Pathway, *, contact: str = "") -> ConsentText:
    """The consent text for `pathway`; `contact` (the clinic and its number) says whom to call.

    Every figure is followed by its source id in square brackets, and the last section
    lists the sources cited.
    """
    cited: list[str] = []

    def cite(sources: Iterable[str]) -> str:
        ids = [s for s in sources if s != CLINIC_POLICY]
        cited.extend(s for s in ids if s not in cited)
        return f" [{', '.join(ids)}]" if ids else ""

    sections = [
        _what_it_is(pathway),
        _what_happens(pathway),
        _common_effects(pathway, cite),
        _how_often(pathway, cite),
        _rare_risks(pathway, cite),
        _your_choice(pathway, cite),
        _who_to_call(pathway, contact),
    ]
    citations = {s.id: s.citation for s in pathway.sources}
    sections.append(
        ConsentSection("Where the figures come from", tuple(f"{s}: {citations[s]}" for s in cited))
    )
    present = tuple(s for s in sections if s.paragraphs)
    version = f"{pathway.id}@{pathway.version}/consent-{WORDING_VERSION}"
    text = _plain_text(present, version)
    return ConsentText(
        version=version,
        sections=present,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        sources=tuple(cited),
    )


def _what_it_is(pathway: Pathway) -> ConsentSection:
    muscles = _joined([m.name for m in pathway.session.muscles])
    return ConsentSection(
        "What dry needling is",
        (
            "Dry needling uses very thin needles with no medicine in them. Your "
            "physiotherapist puts them through the skin into tight, tender spots in a "
            "muscle, to ease pain and help the muscle relax and move better.",
            f"The muscles that may be needled for your problem are: {muscles}. Your "
            "physiotherapist will tell you which ones they plan to needle, and why.",
            "You do not have to have dry needling. If you would rather not, your "
            "physiotherapist will suggest other treatment, and the rest of your care does "
            "not change.",
        ),
    )


def _what_happens(pathway: Pathway) -> ConsentSection:
    steps = [SESSION_STEPS[s.id] for s in pathway.session.steps if s.id in SESSION_STEPS]
    return ConsentSection(
        "What will happen",
        (
            " ".join(steps),
            "You can ask questions at any point, and ask your physiotherapist to stop at any "
            "moment: the needles are taken out straight away.",
        ),
    )


def _common_effects(pathway: Pathway, cite: Cite) -> ConsentSection:
    types = {t.id for t in pathway.adverse_events.types}
    advice = {a.id: a for a in pathway.follow_up.aftercare}
    paragraphs = []
    for type_ids, name, meaning, advice_ids in COMMON_EFFECTS:
        if types.isdisjoint(type_ids):
            continue
        said = [advice[a] for a in advice_ids if a in advice]
        told = " ".join(a.text + cite(a.sources) for a in said) if said else meaning
        paragraphs.append(f"{name}. {told}")
    return ConsentSection("Common side effects", tuple(paragraphs))


def _how_often(pathway: Pathway, cite: Cite) -> ConsentSection:
    names = {t.id: t.name.lower() for t in pathway.adverse_events.types}
    return ConsentSection(
        "How often side effects happen",
        tuple(_rate(rate, names, cite) for rate in pathway.adverse_events.published_rates),
    )


def _rate(rate: PublishedRate, names: Mapping[str, str], cite: Cite) -> str:
    unit = rate.denominator_unit
    source = cite([rate.source])
    parts = [
        f"In a study of {rate.denominator:,} {unit}{source}, a mild side effect followed "
        f"{_number(rate.mild_percent)}% of {unit}"
    ]
    if rate.by_type_percent:
        kinds = ", ".join(
            f"{names[type_id]} {_number(percent)}%"
            for type_id, percent in rate.by_type_percent.items()
        )
        parts[0] += f" ({kinds})"
    parts[0] += "."
    at_most = rate.significant_percent_at_most
    limit = f"at most {_number(at_most)}%, about {_one_in(at_most)}" if at_most else ""
    if rate.significant_count == 0:
        parts.append(
            "No serious side effect (one needing medical care) was found"
            + (f": the risk is {limit}." if limit else ".")
        )
    elif rate.significant_count is not None:
        parts.append(
            f"Serious side effects (needing medical care) followed {rate.significant_count:,} "
            f"of the {rate.denominator:,} {unit}" + (f": {limit}." if limit else ".")
        )
    return " ".join(parts)


def _rare_risks(pathway: Pathway, cite: Cite) -> ConsentSection:
    types = {t.id: t for t in pathway.adverse_events.types}
    paragraphs = [
        f"{name}. {meaning.format(name=types[type_id].name.lower())}{cite(types[type_id].sources)}"
        for type_id, (name, meaning) in RARE_RISKS.items()
        if type_id in types
    ]
    chest = _chest_wall(pathway, cite)
    if chest:
        paragraphs.append(chest)
    return ConsentSection("Rare risks", tuple(paragraphs))


def _chest_wall(pathway: Pathway, cite: Cite) -> str:
    """The risk to the lung, when the pathway needles a muscle near the chest wall."""
    advice = next((a for a in pathway.follow_up.aftercare if a.id == CHEST_WALL_ADVICE), None)
    flagged = [
        (muscle, caution)
        for muscle in pathway.session.muscles
        for caution in muscle.cautions
        if caution.ask_after_needling
    ]
    if advice is None or not flagged:
        return ""
    muscles = list(dict.fromkeys(m.name for m, _ in flagged))
    lie = "lies" if len(muscles) == 1 else "lie"
    sources = [s for _, caution in flagged for s in caution.sources]
    return (
        f"The lung. Of the muscles above, {_joined(muscles)} {lie} near the chest wall. Very "
        "rarely a needle there can reach the lining of the lung and let air in around it (a "
        "collapsed lung). It can show itself hours later, as breathlessness or chest pain"
        f"{cite(dict.fromkeys(sources))}. {advice.text}{cite(advice.sources)}"
    )


def _your_choice(pathway: Pathway, cite: Cite) -> ConsentSection:
    paragraphs = [
        "You can stop at any time, even in the middle of a session.",
        "You can withdraw your consent at any time, before or between sessions, without "
        "giving a reason: just tell us. We record that you withdrew it; it does not change "
        "the rest of your care.",
    ]
    guardian = _rule(pathway, GUARDIAN_RULE)
    if guardian is not None:
        paragraphs.append(
            f"If you are under 18, a parent or guardian must agree as well{cite(guardian.sources)}."
        )
    interpreter = _rule(pathway, INTERPRETER_RULE)
    if interpreter is not None:
        paragraphs.append(
            "If you would like an interpreter to help you ask questions and decide, tell us: "
            "we will arrange one."
        )
    return ConsentSection("Your choice", tuple(paragraphs))


def _who_to_call(pathway: Pathway, contact: str) -> ConsentSection:
    advice = {a.id: a for a in pathway.follow_up.aftercare}
    paragraphs = []
    if contact:
        paragraphs.append(f"With a question or a worry about your treatment, call {contact}.")
    paragraphs.extend(advice[a].text for a in CALL_US_ADVICE if a in advice)
    return ConsentSection("Who to call", tuple(paragraphs))


def _plain_text(sections: Iterable[ConsentSection], version: str) -> str:
    blocks = [TITLE]
    for section in sections:
        blocks.append(section.heading)
        blocks.extend(section.paragraphs)
    blocks.append(f"Consent text {version}")
    return "\n\n".join(blocks) + "\n"


def _number(value: Decimal) -> str:
    """A figure exactly as the pathway writes it (16, 7.7, 0.04)."""
    return format(value, "f")


def _one_in(percent: Decimal) -> str:
    """A percentage as "1 in N" (0.1% is 1 in 1,000), rounded to a whole N."""
    return f"1 in {round(Decimal(100) / percent):,}"


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# -- Who may consent -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRule:
    """A pathway rule about consent: its id, what it tells staff, and its sources."""

    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ConsentRequirements:
    """What recording this patient's consent needs, by the pathway's rules.

    `refused`: no one may consent to needling (under the minimum age). `guardian`: a parent
    or guardian consents too. `interpreter`: an interpreter helps the patient consent.
    """

    refused: ConsentRule | None = None
    guardian: ConsentRule | None = None
    interpreter: ConsentRule | None = None


def consent_requirements(
    pathway: Pathway, answers: Mapping[str, AnswerValue]
) -> ConsentRequirements:
    """The rules that hold for these screening answers (the age, whether an interpreter is
    wanted); a rule the pathway does not have never holds."""

    def holding(rule_id: str) -> ConsentRule | None:
        rule = _rule(pathway, rule_id)
        if rule is None or not holds(rule.when, answers):
            return None
        return ConsentRule(rule.id, rule.staff_message, rule.sources)

    return ConsentRequirements(
        refused=holding(MINIMUM_AGE_RULE),
        guardian=holding(GUARDIAN_RULE),
        interpreter=holding(INTERPRETER_RULE),
    )


def _rule(pathway: Pathway, rule_id: str) -> TriageRule | None:
    return next((r for r in pathway.triage.rules if r.id == rule_id), None)
