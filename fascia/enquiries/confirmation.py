"""The confirmation page's address, which shows the sender their own details for a short while.

The page repeats the number we will call and the clinic chosen, so that a mistyped number is
caught at once. A reference is short enough to guess, and the page must not tell a stranger
who guesses one someone's phone number. So the address the form sends the person to carries
a signed, timestamped copy of the reference (`django.core.signing`, a salt of its own): with
it, for an hour, the page shows the number in full and the clinic; without it, or later, the
page still shows the reference and only the number's last three digits. The page is never
cached, by us or by anyone in between.
"""

from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

from .models import Enquiry

SALT = "fascia.enquiries.confirmation"
MAX_AGE_SECONDS = 3600
PARAMETER = "details"
SHOWN_DIGITS = 3


def confirmation_url(enquiry: Enquiry) -> str:
    """The confirmation page of `enquiry`, with the signature that shows its details."""
    url = reverse("enquiries:received", kwargs={"reference": enquiry.reference})
    signature = signing.TimestampSigner(salt=SALT).sign(enquiry.reference)
    return f"{url}?{urlencode({PARAMETER: signature})}"


def shows_details(request: HttpRequest, enquiry: Enquiry) -> bool:
    """Whether the request's address carries our signature for this enquiry, made less than
    an hour ago."""
    signature = request.GET.get(PARAMETER, "")
    try:
        signed = signing.TimestampSigner(salt=SALT).unsign(signature, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # an expired signature is one too
        return False
    return signed == enquiry.reference


def last_digits(enquiry: Enquiry) -> str:
    """The last digits of the number, all a page without the signature shows of it."""
    return enquiry.phone.as_e164[-SHOWN_DIGITS:] if enquiry.phone else ""
