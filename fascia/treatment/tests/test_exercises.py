"""Home exercises: giving a programme, its handout, the patient's page and their ticks."""

import hashlib
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.pathways import REGISTRY
from fascia.records.data_rights import contact_consent_give
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import soup_of, text_of, text_of_pdf
from fascia.tests.personas import signed_in
from fascia.tests.queries import queries_for
from fascia.treatment import events
from fascia.treatment.exercises import local_only
from fascia.treatment.models import ExerciseDone, ExerciseProgramme, ProgrammeExercise

PATHWAY = REGISTRY.current("piriformis-dry-needling")
LIBRARY = {exercise.id: exercise for exercise in PATHWAY.exercises}
LYING = LIBRARY["piriformis_stretch_lying"]
CLAMSHELL = LIBRARY["clamshell"]


def url(episode) -> str:
    return reverse("treatment:exercises", args=[episode.pk])


def give_data(**chosen: str) -> dict[str, str]:
    """Tick each exercise named, with its dosage (the pathway's when given as "")."""
    data = {}
    for exercise_id, dosage in chosen.items():
        data[f"exercise-{exercise_id}-include"] = "on"
        data[f"exercise-{exercise_id}-dosage"] = dosage or LIBRARY[exercise_id].dosage.text
        data[f"exercise-{exercise_id}-note"] = ""
    return data


@pytest.fixture
def arjuns_client(client, arjun):
    return signed_in(client, arjun)


@pytest.fixture
def programme(arjuns_client, kavya_episode) -> ExerciseProgramme:
    """Kavya's exercises: the lying stretch as the pathway doses it, and clamshells, fewer."""
    data = give_data(piriformis_stretch_lying="", clamshell="2 sets of 10, twice a day.")
    data["exercise-clamshell-note"] = "Keep the band for later."
    response = arjuns_client.post(url(kavya_episode), data)
    assert response.status_code == 302
    return ExerciseProgramme.objects.get(episode=kavya_episode, replaced_at__isnull=True)


def make_link(client, programme) -> str:
    """Make the patient's link as Arjun does; the path of the page it opens."""
    response = client.post(
        reverse("treatment:exercise_link", args=[programme.episode_id, programme.pk])
    )
    link = soup_of(response).select_one("#link-url")["value"]
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.fixture
def page_path(arjuns_client, programme) -> str:
    return make_link(arjuns_client, programme)


def exercise_row(programme, exercise_id: str) -> ProgrammeExercise:
    return programme.exercises.get(exercise=exercise_id)


class TestGivingExercises:
    def test_the_library_is_grouped_by_category_with_the_pathways_dosage(
        self, arjuns_client, kavya_episode
    ):
        page = soup_of(arjuns_client.get(url(kavya_episode)))
        legends = [legend.get_text(strip=True) for legend in page.select("fieldset > legend")]
        assert legends == ["Stretches", "Strengthening", "Movement re-education"]
        dosage = page.select_one("#id_exercise-clamshell-dosage")
        assert dosage["value"] == CLAMSHELL.dosage.text
        assert "In the care plan under: Stretching" in text_of(
            arjuns_client.get(url(kavya_episode))
        )

    def test_it_stores_the_chosen_exercises_with_the_dosage_set_for_the_patient(
        self, arjun, programme
    ):
        rows = list(programme.exercises.values_list("exercise", "dosage", "note"))
        assert rows == [
            ("piriformis_stretch_lying", LYING.dosage.text, ""),
            ("clamshell", "2 sets of 10, twice a day.", "Keep the band for later."),
        ]
        assert programme.created_by == arjun
        event = AuditEvent.objects.get(action=events.PROGRAMME_CREATED)
        assert event.detail["exercises"] == ["piriformis_stretch_lying", "clamshell"]

    def test_viewing_them_is_audited(self, arjuns_client, arjun, kavya_episode, programme):
        arjuns_client.get(url(kavya_episode))
        event = AuditEvent.objects.get(action=events.PROGRAMME_VIEWED)
        assert (event.actor_id, event.target_id) == (arjun.pk, str(programme.pk))

    def test_new_exercises_replace_the_old_which_are_kept(
        self, arjuns_client, kavya_episode, programme
    ):
        arjuns_client.post(url(kavya_episode), give_data(bridge=""))
        programme.refresh_from_db()
        assert programme.replaced_at is not None
        current = ExerciseProgramme.objects.get(episode=kavya_episode, replaced_at__isnull=True)
        assert list(current.exercises.values_list("exercise", flat=True)) == ["bridge"]
        assert ExerciseProgramme.objects.count() == 2
        text = text_of(arjuns_client.get(url(kavya_episode)))
        assert "Exercises given before" in text

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({}, "exercise-piriformis_stretch_lying-include", "Choose at least one exercise."),
            (
                give_data(clamshell=" ") | {"exercise-clamshell-dosage": ""},
                "exercise-clamshell-dosage",
                "Give the dosage for this exercise.",
            ),
            (
                give_data(clamshell="3 sets\x1b of 10"),
                "exercise-clamshell-dosage",
                "control character",
            ),
        ],
    )
    def test_it_refuses_a_programme_naming_the_field_and_stores_nothing(
        self, arjuns_client, kavya_episode, data, field, message
    ):
        response = arjuns_client.post(url(kavya_episode), data)
        assert response.status_code == 200
        errors = soup_of(response).select_one(f"div.field:has(#id_{field})")
        assert message in errors.get_text(" ")
        assert message in text_of(response)
        assert not ExerciseProgramme.objects.exists()


class TestThePatientsLink:
    def test_the_token_is_shown_once_and_only_its_hash_is_stored(self, arjuns_client, programme):
        response = arjuns_client.post(
            reverse("treatment:exercise_link", args=[programme.episode_id, programme.pk])
        )
        assert "no-store" in response["Cache-Control"]
        link = soup_of(response).select_one("#link-url")["value"]
        token = re.search(r"/p/([\w-]+)/$", link)[1]
        programme.refresh_from_db()
        assert programme.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert not ExerciseProgramme.objects.filter(token_sha256=token).exists()
        events_text = str(list(AuditEvent.objects.values_list("detail", flat=True)))
        assert token not in events_text
        assert AuditEvent.objects.filter(action=events.PROGRAMME_LINK_CREATED).exists()

    def test_it_offers_whatsapp_with_the_link_filled_in(self, arjuns_client, programme, priya):
        patient = programme.episode.patient
        contact_consent_give(patient, notice_version="patients/1", by=priya, ip=None)
        response = arjuns_client.post(
            reverse("treatment:exercise_link", args=[programme.episode_id, programme.pk])
        )
        whatsapp = soup_of(response).select_one("a[href^='https://wa.me/919845012345']")
        assert "%2Fp%2F" in whatsapp["href"]

    def test_a_new_link_stops_the_old_one(self, arjuns_client, programme, page_path, client):
        second = make_link(arjuns_client, programme)
        client.logout()
        assert client.get(page_path).status_code == 404
        assert client.get(second).status_code == 200

    def test_it_works_for_the_days_the_setting_gives(self, arjuns_client, programme, settings):
        settings.FASCIA_EXERCISE_LINK_DAYS = 180
        make_link(arjuns_client, programme)
        programme.refresh_from_db()
        left = programme.link_expires_at - timezone.now()
        assert timedelta(days=179) < left <= timedelta(days=180)


class TestThePatientsPage:
    def test_it_shows_each_exercise_with_its_steps_and_dosage(self, client, page_path):
        client.logout()
        text = text_of(client.get(page_path))
        for step in LYING.steps:
            assert step in text
        assert "How much: 2 sets of 10, twice a day." in text
        assert "From your physiotherapist: Keep the band for later." in text
        assert LYING.cautions[0] in text

    def test_it_is_private_never_stored_and_never_indexed(self, client, page_path):
        client.logout()
        response = client.get(page_path)
        assert response["Cache-Control"] == "no-store, private"
        assert response["Referrer-Policy"] == "strict-origin"
        assert response["X-Robots-Tag"] == "noindex"

    def test_it_never_enters_the_page_cache(self, client, page_path):
        client.logout()
        for _ in range(2):
            assert "X-Page-Cache" not in client.get(page_path)
        assert AuditEvent.objects.filter(action=events.PROGRAMME_OPENED_BY_PATIENT).count() == 2

    def test_opening_it_is_audited_with_no_actor(self, client, page_path, programme):
        client.logout()
        client.get(page_path)
        event = AuditEvent.objects.get(action=events.PROGRAMME_OPENED_BY_PATIENT)
        assert event.actor_id is None
        assert (event.target_id, event.patient_id) == (
            str(programme.pk),
            programme.episode.patient_id,
        )

    def test_an_unknown_token_is_not_found(self, client, page_path):
        client.logout()
        response = client.get("/p/not-a-token-we-made/")
        assert response.status_code == 404
        assert "We could not find this link" in response.content.decode()

    def test_replaced_exercises_say_so(self, arjuns_client, kavya_episode, page_path, client):
        arjuns_client.post(url(kavya_episode), give_data(bridge=""))
        client.logout()
        response = client.get(page_path)
        assert response.status_code == 410
        assert "You have new exercises" in response.content.decode()

    def test_an_expired_link_says_what_to_do(self, arjuns_client, programme, client, settings):
        settings.FASCIA_EXERCISE_LINK_DAYS = 0
        path = make_link(arjuns_client, programme)
        client.logout()
        response = client.get(path)
        assert response.status_code == 410
        assert "ask them to send you a new link" in response.content.decode()

    def test_the_service_worker_looks_after_the_p_pages(self, client):
        response = client.get(reverse("exercises:service_worker"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        assert response["Service-Worker-Allowed"] == "/p/"
        assert b'addEventListener("fetch"' in response.content
        assert reverse("exercises:service_worker") == "/p/sw.js"


class TestTickingDoneToday:
    def done_url(self, page_path: str) -> str:
        return f"{page_path}done/"

    def test_a_tick_counts_for_today_in_the_clinics_time_zone(self, client, page_path, programme):
        client.logout()
        row = exercise_row(programme, "clamshell")
        response = client.post(self.done_url(page_path), {"exercise": row.pk})
        assert response.status_code == 303
        assert response["Location"] == f"{page_path}#exercise-{row.pk}"
        done = ExerciseDone.objects.get()
        today = timezone.localdate(timezone=ZoneInfo(programme.episode.clinic.time_zone))
        assert (done.exercise, done.day) == (row, today)
        assert "Done today: Clamshell. Well done." in text_of(client.get(page_path))

    def test_ticking_twice_records_one_day_once(self, client, page_path, programme):
        client.logout()
        row = exercise_row(programme, "clamshell")
        client.post(self.done_url(page_path), {"exercise": row.pk})
        client.post(self.done_url(page_path), {"exercise": row.pk})
        assert ExerciseDone.objects.count() == 1
        ticks = AuditEvent.objects.filter(action=events.EXERCISE_DONE)
        assert [(e.actor_id, e.detail["exercise"]) for e in ticks] == [(None, "clamshell")]

    def test_with_htmx_only_the_exercises_tick_comes_back(self, client, page_path, programme):
        client.logout()
        row = exercise_row(programme, "clamshell")
        response = client.post(
            self.done_url(page_path), {"exercise": row.pk}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        fragment = response.content.decode()
        assert f'id="done-{row.pk}"' in fragment
        assert "Done today: Clamshell" in fragment
        assert "<html" not in fragment

    def test_an_exercise_of_another_programme_is_not_found(
        self, client, page_path, ravi_episode, meera
    ):
        other = signed_in(client, meera).post(url(ravi_episode), give_data(bridge=""))
        assert other.status_code == 302
        client.logout()
        stranger = ProgrammeExercise.objects.get(exercise="bridge")
        response = client.post(self.done_url(page_path), {"exercise": stranger.pk})
        assert response.status_code == 404
        assert not ExerciseDone.objects.exists()

    def test_a_replaced_programme_takes_no_ticks(
        self, arjuns_client, kavya_episode, client, page_path, programme
    ):
        row = exercise_row(programme, "clamshell")
        arjuns_client.post(url(kavya_episode), give_data(bridge=""))
        client.logout()
        response = client.post(self.done_url(page_path), {"exercise": row.pk})
        assert response.status_code == 410
        assert not ExerciseDone.objects.exists()


class TestAdherenceOnTheEpisodePage:
    def test_it_shows_days_done_per_exercise_in_the_last_7_and_14_days(
        self, arjuns_client, client, kavya_episode, programme, page_path
    ):
        row = exercise_row(programme, "clamshell")
        today = timezone.localdate(timezone=ZoneInfo(programme.episode.clinic.time_zone))
        # Days before today are ticked on those days; they cannot be ticked now.
        ExerciseDone.objects.bulk_create(
            ExerciseDone(exercise=row, day=today - timedelta(days=days_ago))
            for days_ago in (1, 3, 8, 13, 20)
        )
        anonymous = client.__class__()
        anonymous.post(f"{page_path}done/", {"exercise": row.pk})
        page = soup_of(arjuns_client.get(reverse("workspace:episode", args=[kavya_episode.pk])))
        table = page.select_one("section:has(#exercises-heading) table.adherence")
        cells = {
            tr.th.get_text(" ", strip=True).split(" Keep")[0]: [td.get_text() for td in tr("td")]
            for tr in table.select("tbody tr")
        }
        assert cells["Clamshell"] == ["2 sets of 10, twice a day.", "3", "5"]
        assert cells["Piriformis stretch, lying down"][1:] == ["0", "0"]

    def test_it_links_to_the_handout_and_the_patients_link(
        self, arjuns_client, kavya_episode, programme
    ):
        page = soup_of(arjuns_client.get(reverse("workspace:episode", args=[kavya_episode.pk])))
        section = page.select_one("section:has(#exercises-heading)")
        handout = reverse("treatment:exercise_handout", args=[kavya_episode.pk, programme.pk])
        assert section.find("a", href=handout)
        assert section.find("a", href=url(kavya_episode))
        assert "no working link for the patient" in section.get_text()

    def test_it_takes_as_many_queries_for_ten_exercises_as_for_one(
        self, arjuns_client, kavya_episode, django_assert_num_queries
    ):
        episode_url = reverse("workspace:episode", args=[kavya_episode.pk])
        arjuns_client.post(url(kavya_episode), give_data(bridge=""))
        one = queries_for(arjuns_client, episode_url)
        arjuns_client.post(url(kavya_episode), give_data(**dict.fromkeys(LIBRARY, "")))
        with django_assert_num_queries(one):
            arjuns_client.get(episode_url)


class TestTheHandout:
    def handout(self, client, programme):
        return client.get(
            reverse("treatment:exercise_handout", args=[programme.episode_id, programme.pk])
        )

    def test_it_is_a_pdf_with_the_patients_exercises_steps_and_dosage(
        self, arjuns_client, programme, bangalore
    ):
        response = self.handout(arjuns_client, programme)
        assert response.content.startswith(b"%PDF")
        text = text_of_pdf(response)
        assert "Home exercises for Kavya Rao" in text
        assert bangalore.name in text
        assert bangalore.phone.as_international in text
        assert "1. Piriformis stretch, lying down" in text
        assert "2. Clamshell" in text
        for step in LYING.steps:
            assert step in text
        assert LYING.dosage.text in text
        assert "2 sets of 10, twice a day." in text
        assert CLAMSHELL.cautions[0] in text
        assert "Arjun Rao" in text

    @pytest.mark.parametrize(
        "address", ["https://fonts.example.com/a.woff2", "http://127.0.0.1/", "file:///etc/hosts"]
    )
    def test_making_it_fetches_nothing(self, address):
        with pytest.raises(ValueError, match="disallowed protocol"):
            local_only().fetch(address)

    def test_making_it_is_audited(self, arjuns_client, arjun, programme):
        self.handout(arjuns_client, programme)
        event = AuditEvent.objects.get(action=events.PROGRAMME_HANDOUT_MADE)
        assert event.actor_id == arjun.pk
        assert event.target_id == str(programme.pk)


class TestWhoMayGiveExercises:
    @pytest.mark.parametrize("persona", ["priya", "meera", "asha", "vikram"])
    def test_every_staff_page_is_not_found_without_clinical_care_in_the_clinic(
        self, client, programme, persona, request
    ):
        client.logout()
        signed_in(client, request.getfixturevalue(persona))
        episode_id = programme.episode_id
        assert client.get(url(programme.episode)).status_code == 404
        assert client.post(url(programme.episode), give_data(bridge="")).status_code == 404
        handout = reverse("treatment:exercise_handout", args=[episode_id, programme.pk])
        assert client.get(handout).status_code == 404
        link = reverse("treatment:exercise_link", args=[episode_id, programme.pk])
        assert client.post(link).status_code == 404
        programme.refresh_from_db()
        assert programme.token_sha256 is None
        assert ExerciseProgramme.objects.count() == 1

    def test_a_programme_of_another_episode_is_not_found(
        self, arjuns_client, programme, bangalore, priya, arjun
    ):
        other = make_episode(
            bangalore,
            by=priya,
            physiotherapist=arjun,
            patient=make_patient(bangalore, by=priya, name="Anil Kumar", mobile="+919845099999"),
        )
        handout = reverse("treatment:exercise_handout", args=[other.pk, programme.pk])
        assert arjuns_client.get(handout).status_code == 404
