"""A practitioner's calendar feed: their page to make or end its address (/app/calendar-feed/,
Capability.CLINICAL somewhere: the practitioners), and the feed itself (/calendar/<token>.ics),
which needs no sign-in because calendar apps cannot give one; an unknown or ended address
is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required

from ..ical import feed_calendar, feed_find, feed_replace, feed_switch_off
from ..models import CalendarFeed

practitioner_view = staff_required(Capability.CLINICAL)


def _render(request, *, address: str = ""):
    feed = CalendarFeed.objects.filter(practitioner=request.user).first()
    context = {"feed": feed, "address": address}
    response = render(request, "scheduling/feed/feed.html", context)
    if address:
        response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@practitioner_view
def feed_page(request):
    return _render(request)


@require_POST
@practitioner_view
def feed_new(request):
    """Make a new address (ending the old one) and show it, this once."""
    token = feed_replace(request.user, ip=request_ip(request))
    path = reverse("calendar_feed:ics", kwargs={"token": token})
    return _render(request, address=f"{settings.FASCIA_BASE_URL}{path}")


@require_POST
@practitioner_view
def feed_off(request):
    if feed_switch_off(request.user, ip=request_ip(request)):
        messages.success(request, _("Your calendar feed is switched off: its address is ended."))
    return redirect("schedule:feed")


@require_GET
def ics(request, token):
    feed = feed_find(token)
    if feed is None:
        raise Http404
    response = HttpResponse(feed_calendar(feed), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = 'inline; filename="fascia.ics"'
    return response
