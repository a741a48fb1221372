"""Consent to dry needling: the text, recording the patient's consent, and its withdrawal.

Clinical pages (Capability.CLINICAL in the episode's clinic; anyone else gets a 404). Each
view of the page is audited (`consent.viewed`); recording and withdrawing are audited by
their actions. The page prints as the consent form the patient saw (`css/consent.css`).
"""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required

from .. import events
from ..actions import ActionError
from ..consent import (
    consent_record,
    consent_withdraw,
    episode_consent,
    episode_consent_text,
    rule_reference,
    who_consents,
)
from ..forms.consent import ConsentForm, WithdrawalForm
from ..models import Consent, Episode
from ..queries import access_episode

clinical_view = staff_required(Capability.CLINICAL)


def _viewed(request: HttpRequest, episode: Episode, target: Consent | Episode) -> None:
    events.viewed(
        events.CONSENT_VIEWED, target, about=episode, by=request.user, ip=request_ip(request)
    )


@require_http_methods(["GET", "POST"])
@clinical_view
def consent(request, episode_id):
    episode = access_episode(request.user, episode_id)
    who = who_consents(episode)
    data = request.POST if request.method == "POST" else None
    form = ConsentForm(data, requirements=who.requirements)
    if request.method == "POST" and form.is_valid():
        try:
            consent_record(
                episode=episode, details=form.details(), by=request.user, ip=request_ip(request)
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The patient's consent to dry needling was recorded."))
            return redirect("records:consent", episode_id=episode.pk)
    consents = list(episode.consents.select_related("explained_by", "withdrawn_recorded_by"))
    in_force = next((c for c in consents if c.is_active), None)
    _viewed(request, episode, in_force or episode)
    text = episode_consent_text(episode)
    context = {
        "episode": episode,
        "patient": episode.patient,
        "text": text,
        "in_force": in_force,
        "shows_current_text": in_force is None or in_force.text_sha256 == text.sha256,
        "earlier": [c for c in consents if c is not in_force],
        "who": who,
        "rule_reference": {
            name: rule_reference(rule)
            for name in ("refused", "guardian", "interpreter")
            if (rule := getattr(who.requirements, name))
        },
        "form": form,
    }
    return render(request, "records/consent/consent.html", context)


@require_http_methods(["GET", "POST"])
@clinical_view
def withdraw(request, episode_id, consent_id):
    episode = access_episode(request.user, episode_id)
    given = episode_consent(episode, consent_id)
    form = WithdrawalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw(
                consent=given,
                reason=form.cleaned_data["reason"],
                by=request.user,
                ip=request_ip(request),
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The withdrawal of consent was recorded."))
            return redirect("records:consent", episode_id=episode.pk)
    _viewed(request, episode, given)
    context = {"episode": episode, "patient": episode.patient, "consent": given, "form": form}
    return render(request, "records/consent/withdraw.html", context)


urlpatterns = [
    path("episodes/<int:episode_id>/consent/", consent, name="consent"),
    path(
        "episodes/<int:episode_id>/consent/<int:consent_id>/withdraw/",
        withdraw,
        name="consent_withdraw",
    ),
]
