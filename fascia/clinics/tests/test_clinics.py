"""Clinics as records: what the website shows comes from them, and pages never own them."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from fascia.clinics.models import OpeningHours, Weekday
from fascia.website.models import ClinicPage


def hours(clinic, weekday, opens, closes):
    OpeningHours.objects.create(
        clinic=clinic,
        weekday=weekday,
        opens=datetime.time(*opens),
        closes=datetime.time(*closes),
    )


@pytest.mark.django_db
class TestOpeningTimes:
    def test_the_starting_content_opens_both_clinics_monday_to_saturday(self, bangalore):
        assert bangalore.opening_times() == [("Monday–Saturday", "08:00–20:00")]

    def test_days_with_the_same_hours_are_read_together_and_a_break_is_shown(self, bangalore):
        bangalore.opening_hours.all().delete()
        hours(bangalore, Weekday.MONDAY, (9,), (13,))
        hours(bangalore, Weekday.MONDAY, (14,), (18,))
        hours(bangalore, Weekday.TUESDAY, (9,), (13,))
        hours(bangalore, Weekday.TUESDAY, (14,), (18,))
        hours(bangalore, Weekday.THURSDAY, (9,), (13,))
        assert bangalore.opening_times() == [
            ("Monday–Tuesday", "09:00–13:00, 14:00–18:00"),
            ("Thursday", "09:00–13:00"),
        ]

    def test_a_clinic_cannot_close_before_it_opens(self, bangalore):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            hours(bangalore, Weekday.SUNDAY, (18,), (9,))


@pytest.mark.django_db
class TestClinicRecord:
    def test_its_numbers_are_stored_in_international_form(self, bangalore):
        assert bangalore.phone.as_e164 == "+918951047001"
        assert bangalore.whatsapp_href == "https://wa.me/918951047001"

    def test_an_unknown_time_zone_is_refused(self, bangalore):
        bangalore.time_zone = "Asia/Bengaluru"
        with pytest.raises(ValidationError, match="not a known time zone"):
            bangalore.full_clean()


@pytest.mark.django_db
class TestClinicPage:
    def test_the_page_shows_the_clinics_details_from_its_record(self, client, bangalore):
        bangalore.email = "whitefield@fascia.example"
        bangalore.save()
        html = client.get(ClinicPage.objects.get(clinic=bangalore).url).content.decode()
        assert "whitefield@fascia.example" in html
        assert "Monday–Saturday" in html
        assert 'href="https://wa.me/918951047001"' in html

    def test_deleting_a_clinics_page_leaves_the_clinic(self, bangalore):
        ClinicPage.objects.get(clinic=bangalore).delete()
        bangalore.refresh_from_db()
        assert bangalore.active
