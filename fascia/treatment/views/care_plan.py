"""Staff pages: the care plan and the home-exercise programme of an episode.

Clinical pages (Capability.CLINICAL in the episode's clinic; anyone else gets a 404).
Each view of a page is audited, and so is each change, by its action. The patient's
private link is shown once, on the page the POST that makes it returns, never cached.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia import phone_numbers
from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.records.actions import ActionError
from fascia.records.data_rights import may_contact
from fascia.records.queries import access_episode
from fascia.records.screening import pathway_of

from ..care_plans import (
    care_plan_save,
    care_plan_viewed,
    component_views,
    episode_care_plan,
    goal_baselines,
    goal_views,
)
from ..exercises import (
    adherence,
    clinic_today,
    current_programme,
    episode_programme,
    exercise_groups,
    handout_pdf,
    programme_give,
    programme_link_create,
    programmes_viewed,
    replaced_programmes,
)
from ..forms.care_plans import CarePlanForm, ProgrammeForm
from ..models import ExerciseProgramme

clinical_view = staff_required(Capability.CLINICAL)


@require_http_methods(["GET", "POST"])
@clinical_view
def care_plan(request, episode_id):
    episode = access_episode(request.user, episode_id)
    pathway = pathway_of(episode)
    plan = episode_care_plan(episode)
    form = CarePlanForm(
        request.POST if request.method == "POST" else None,
        pathway=pathway,
        baselines=goal_baselines(episode, pathway),
        plan=plan,
    )
    if request.method == "POST" and form.is_valid():
        try:
            care_plan_save(
                episode=episode, plan=form.plan(), by=request.user, ip=request_ip(request)
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The care plan was saved.") if plan else _("The care plan was made."),
            )
            return redirect("treatment:care_plan", episode_id=episode.pk)
    care_plan_viewed(episode=episode, plan=plan, by=request.user, ip=request_ip(request))
    context = {
        "episode": episode,
        "patient": episode.patient,
        "plan": plan,
        "goals": goal_views(pathway, plan) if plan else [],
        "components": component_views(pathway, plan) if plan else [],
        "review_rule": pathway.care_plan.review_rule,
        "form": form,
    }
    return render(request, "treatment/care_plan/care_plan.html", context)


def _exercises_page(request: HttpRequest, episode, form: ProgrammeForm | None = None):
    pathway = pathway_of(episode)
    current = current_programme(episode)
    programmes_viewed(episode=episode, programme=current, by=request.user, ip=request_ip(request))
    groups = exercise_groups(pathway)
    context = {
        "episode": episode,
        "patient": episode.patient,
        "current": current,
        "adherence": adherence(current, pathway, clinic_today(current)) if current else [],
        "earlier": replaced_programmes(episode),
        "form": form or ProgrammeForm(groups=groups, current=current),
        "now": timezone.now(),
    }
    return render(request, "treatment/exercises/programme.html", context)


@require_http_methods(["GET", "POST"])
@clinical_view
def exercises(request, episode_id):
    episode = access_episode(request.user, episode_id)
    if request.method == "GET":
        return _exercises_page(request, episode)
    form = ProgrammeForm(request.POST, groups=exercise_groups(pathway_of(episode)))
    if not form.is_valid():
        return _exercises_page(request, episode, form)
    try:
        programme_give(
            episode=episode, chosen=form.chosen(), by=request.user, ip=request_ip(request)
        )
    except ActionError as error:
        form.add_error(None, str(error))
        return _exercises_page(request, episode, form)
    messages.success(request, _("The exercises were given. Make the patient's link to send them."))
    return redirect("treatment:exercises", episode_id=episode.pk)


def _whatsapp_href(programme: ExerciseProgramme, url: str) -> str:
    """A wa.me link to the patient's mobile with the message filled in; "" without one, or
    when the patient has not agreed to be contacted."""
    mobile = programme.episode.patient.mobile
    if not mobile or not may_contact(programme.episode.patient):
        return ""
    text = render_to_string(
        "treatment/exercises/whatsapp.txt",
        {
            "patient": programme.episode.patient,
            "clinic": programme.episode.clinic,
            "url": url,
            "expires": timezone.localtime(programme.link_expires_at),
        },
    )
    return phone_numbers.whatsapp_url(mobile, text.strip())


@never_cache
@require_POST
@clinical_view
def exercise_link(request, episode_id, programme_id):
    episode = access_episode(request.user, episode_id)
    programme = episode_programme(episode, programme_id)
    try:
        programme, token = programme_link_create(
            programme=programme, by=request.user, ip=request_ip(request)
        )
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("treatment:exercises", episode_id=episode.pk)
    url = request.build_absolute_uri(reverse("exercises:page", args=[token]))
    context = {
        "episode": episode,
        "patient": episode.patient,
        "programme": programme,
        "url": url,
        "whatsapp_href": _whatsapp_href(programme, url),
    }
    return render(request, "treatment/exercises/link_created.html", context)


@require_GET
@clinical_view
def exercise_handout(request, episode_id, programme_id):
    episode = access_episode(request.user, episode_id)
    programme = episode_programme(episode, programme_id)
    pdf = handout_pdf(programme=programme, by=request.user, ip=request_ip(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="exercises-{programme.pk}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response


urlpatterns = [
    path("episodes/<int:episode_id>/care-plan/", care_plan, name="care_plan"),
    path("episodes/<int:episode_id>/exercises/", exercises, name="exercises"),
    path(
        "episodes/<int:episode_id>/exercises/<int:programme_id>/link/",
        exercise_link,
        name="exercise_link",
    ),
    path(
        "episodes/<int:episode_id>/exercises/<int:programme_id>/handout.pdf",
        exercise_handout,
        name="exercise_handout",
    ),
]
