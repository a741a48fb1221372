"""Each person's start page (/app/) and the episode page (/app/episodes/<id>/).

The start page is for anyone with a role in a clinic; an administrator without one goes on
to the staff list. The episode page is clinical (Capability.CLINICAL in the episode's
clinic, 404 for anyone else) and every view of it is audited (`episode.viewed`).
"""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, clinic_ids_for, staff_required
from fascia.records import events
from fascia.records.forms.screening import AlertAcknowledgeForm
from fascia.records.queries import access_episode
from fascia.records.views.screening import decision_summary

from . import queries
from .start import start_page


@require_GET
@staff_required()
def start(request):
    if not clinic_ids_for(request.user, Capability.ENQUIRIES):
        return redirect("staff:list")
    return render(request, "workspace/start.html", {"page": start_page(request.user)})


@require_GET
@staff_required(Capability.CLINICAL)
def episode(request, episode_id):
    episode = access_episode(request.user, episode_id)
    page = queries.episode_page(episode)
    events.viewed(
        events.EPISODE_VIEWED, episode, about=episode, by=request.user, ip=request_ip(request)
    )
    context = {
        "page": page,
        "episode": episode,
        "patient": episode.patient,
        "decision": decision_summary(page.current_screening) if page.current_screening else None,
        "alerts": [
            (alert, AlertAcknowledgeForm(prefix=f"alert-{alert.pk}")) for alert in page.open_alerts
        ],
    }
    return render(request, "workspace/episode.html", context)
