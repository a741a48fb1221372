"""The privacy notice shown with the enquiry form (India's DPDP Act 2023, sections 5 and 6).

The version stored with each enquiry names the notice's text (NOTICE_DATE) and the
retention period it promised, so that what a person agreed to can always be shown.
Change NOTICE_DATE whenever the wording in enquiries/includes/privacy_notice.html changes.
"""

from django.conf import settings

NOTICE_DATE = "2026-11-27"


def retention_days() -> int:
    return settings.FASCIA_ENQUIRY_RETENTION_DAYS


def notice_version() -> str:
    return f"{NOTICE_DATE}/{retention_days()}d"


def retention_months() -> int:
    return max(1, round(retention_days() / 30.4))
