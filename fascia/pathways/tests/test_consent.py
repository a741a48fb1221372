from __future__ import annotations

import hashlib
import re
from decimal import Decimal

from fascia.pathways import Pathway, consent_requirements, consent_text
from fascia.pathways.tests.conftest import NECK, PIRIFORMIS


def section(pathway: Pathway, heading: str, **kwargs: str) -> str:
    text = consent_text(pathway, **kwargs)
    return "\n".join(
        p for s in text.sections if s.heading.startswith(heading) for p in s.paragraphs
    )


def paragraph_with(pathway: Pathway, needle: str) -> str:
    text = consent_text(pathway)
    return next(p for s in text.sections for p in s.paragraphs if needle in p)


class TestTheConsentText:
    def test_it_is_versioned_by_pathway_and_wording_and_hashed_as_shown(self) -> None:
        text = consent_text(PIRIFORMIS)
        assert text.version == "piriformis-dry-needling@2/consent-1"
        assert text.sha256 == hashlib.sha256(text.text.encode()).hexdigest()
        assert text.text.startswith("Consent to dry needling\n")
        assert text.text.rstrip().endswith(text.version)
        for part in text.sections:
            assert part.heading in text.text
            assert all(p in text.text for p in part.paragraphs)

    def test_the_same_pathway_gives_the_same_text_and_the_contact_is_part_of_it(self) -> None:
        assert consent_text(PIRIFORMIS) == consent_text(PIRIFORMIS)
        with_contact = consent_text(PIRIFORMIS, contact="the Bangalore clinic on 080 1234 5678")
        assert "call the Bangalore clinic on 080 1234 5678" in with_contact.text
        assert with_contact.sha256 != consent_text(PIRIFORMIS).sha256
        assert with_contact.version == consent_text(PIRIFORMIS).version

    def test_it_gives_every_published_rate_exactly_as_the_pathway_with_its_source(self) -> None:
        names = {t.id: t.name.lower() for t in PIRIFORMIS.adverse_events.types}
        for rate in PIRIFORMIS.adverse_events.published_rates:
            said = paragraph_with(PIRIFORMIS, f"[{rate.source}]")
            assert f"{rate.denominator:,} {rate.denominator_unit}" in said
            assert f"{format(rate.mild_percent, 'f')}% of {rate.denominator_unit}" in said
            for type_id, percent in rate.by_type_percent.items():
                assert f"{names[type_id]} {format(percent, 'f')}%" in said

    def test_it_gives_boyce_2020s_figures_in_plain_words(self) -> None:
        said = paragraph_with(PIRIFORMIS, "[boyce-2020]")
        assert "bleeding 16%" in said
        assert "bruising 7.7%" in said
        assert "20 of the 20,464 sessions: at most 0.1%, about 1 in 1,000" in said
        assert "No serious side effect" in paragraph_with(PIRIFORMIS, "[brady-2014]")

    def test_it_tells_the_common_side_effects_with_the_aftercare_advice(self) -> None:
        common = section(PIRIFORMIS, "Common side effects")
        soreness = next(a for a in PIRIFORMIS.follow_up.aftercare if a.id == "soreness")
        assert f"Soreness afterwards. {soreness.text} [soreness-2021]" in common
        for effect in ("Bruising or bleeding.", "Feeling faint, or fainting.", "Feeling tired."):
            assert effect in common

    def test_it_tells_what_happens_with_sterile_single_use_needles(self) -> None:
        happens = section(PIRIFORMIS, "What will happen")
        assert "Every needle is sterile" in happens
        assert "used only once" in happens
        assert "counted as they go in" in happens
        assert "Piriformis, Gluteus maximus" in section(PIRIFORMIS, "What dry needling is")

    def test_it_tells_the_rare_risks_with_their_sources(self) -> None:
        rare = section(PIRIFORMIS, "Rare risks")
        assert (
            "Nerve irritation. Nerves run close to some of these muscles, and rarely a needle "
            "irritates one. Tell us the same day if you notice new leg numbness, tingling or "
            "weakness. [hannah-2023]"
        ) in rare
        assert "Infection." in rare
        assert "Quadratus lumborum lies near the chest wall" in rare
        assert "[upper-lumbar-cadaver-2020, cummings-2014, ahpcsa-dn-thorax]" in rare

    def test_the_lung_is_mentioned_only_when_a_muscle_near_the_chest_wall_is_needled(
        self,
    ) -> None:
        session = PIRIFORMIS.session.model_copy(
            update={
                "muscles": tuple(
                    m for m in PIRIFORMIS.session.muscles if m.id != "quadratus_lumborum"
                )
            }
        )
        without = PIRIFORMIS.model_copy(update={"session": session})
        assert "lung" not in consent_text(without).text
        assert "Quadratus" not in consent_text(without).text

    def test_it_says_the_patient_may_stop_and_withdraw_and_whom_to_call(self) -> None:
        choice = section(PIRIFORMIS, "Your choice")
        assert "You can stop at any time" in choice
        assert "withdraw your consent at any time" in choice
        assert "a parent or guardian must agree as well [pmc-dn-precautions" in choice
        call = section(PIRIFORMIS, "Who to call", contact="Fascia Bangalore on 080 1234 5678")
        assert call.startswith("With a question or a worry about your treatment, call Fascia")
        assert "Call 112" in call

    def test_every_source_it_cites_is_the_pathways_and_is_listed_at_the_end(self) -> None:
        text = consent_text(PIRIFORMIS)
        bracketed = {
            s.strip() for group in re.findall(r"\[([^\]]+)\]", text.text) for s in group.split(",")
        }
        assert bracketed == set(text.sources)
        assert "clinic-policy" not in bracketed
        citations = {s.id: s.citation for s in PIRIFORMIS.sources}
        listed = text.sections[-1]
        assert listed.heading == "Where the figures come from"
        assert listed.paragraphs == tuple(f"{s}: {citations[s]}" for s in text.sources)

    def test_another_pathway_gets_its_own_risks_and_nothing_it_does_not_list(self) -> None:
        text = consent_text(NECK)
        assert text.version == f"{NECK.id}@{NECK.version}/consent-1"
        assert "In a study of 100 sessions [made-up], a mild side effect followed 10%" in text.text
        assert "(bruise 5%)" in text.text
        for absent in ("Nerve irritation", "lung", "Feeling faint", "parent or guardian"):
            assert absent not in text.text
        assert "Every needle is sterile" not in text.text


class TestWhoMayConsent:
    def test_no_one_may_consent_for_a_child_under_the_minimum_age(self) -> None:
        needs = consent_requirements(PIRIFORMIS, {"age": Decimal(11)})
        assert needs.refused is not None
        assert needs.refused.id == "ci-under-minimum-age"
        assert "no dry needling under 12" in needs.refused.text
        assert needs.refused.sources == ("pmc-dn-precautions", "clinic-policy")
        assert needs.guardian is None

    def test_a_young_person_consents_with_a_parent_or_guardian(self) -> None:
        needs = consent_requirements(PIRIFORMIS, {"age": Decimal(15)})
        assert needs.refused is None
        assert needs.guardian is not None
        assert needs.guardian.id == "pc-child"
        assert "dpdp-act-2023" in needs.guardian.sources

    def test_an_adult_who_asked_for_an_interpreter_consents_with_one(self) -> None:
        needs = consent_requirements(PIRIFORMIS, {"age": Decimal(18), "needs_interpreter": True})
        assert (needs.refused, needs.guardian) == (None, None)
        assert needs.interpreter is not None
        assert needs.interpreter.id == "pc-interpreter"

    def test_nothing_is_required_without_answers_or_without_the_rules(self) -> None:
        assert consent_requirements(PIRIFORMIS, {}) == consent_requirements(
            NECK, {"age": Decimal(8), "needs_interpreter": True}
        )
        assert consent_requirements(PIRIFORMIS, {}).refused is None
