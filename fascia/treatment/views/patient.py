"""The patient's home-exercise page, /p/<token>/ (namespace `exercises`): no account needed.

Each exercise with its steps, dosage and cautions, and a "Done today" button: a POST form
that works without JavaScript (303 back to the page) and that HTMX sends in place. Every
answer is private like the records' links (`private_page`: never stored by a browser or a
proxy, never named in full as a referrer, never indexed). A token that names no programme
is a 404; a replaced or expired one a 410 saying what to do.

The page works offline once loaded: `/p/sw.js` is a service worker (its script,
`static/js/exercises-sw.js`, served from here so that its scope is /p/) that keeps the
last copy of the page and its stylesheets and scripts, and shows it when the network is
gone. A tick needs the network: offline, it is refused with a note to try again.
"""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from fascia.pathways.models import Exercise
from fascia.records.actions import ActionError
from fascia.records.screening import pathway_of
from fascia.records.views.check import private_page

from ..exercises import (
    ExerciseAdherence,
    adherence,
    clinic_today,
    exercise_done,
    exercise_library,
    link_is_usable,
    programme_find,
    programme_opened,
)
from ..models import ExerciseProgramme

SERVICE_WORKER = "js/exercises-sw.js"


def _gone(request: HttpRequest, programme: ExerciseProgramme) -> HttpResponse:
    if programme.replaced_at is not None:
        reason = "replaced"
    elif not programme.episode.is_open:
        reason = "closed"
    else:
        reason = "expired"
    context = {"clinic": programme.episode.clinic, "reason": reason}
    return render(request, "treatment/exercises/gone.html", context, status=410)


def _usable(request: HttpRequest, token: str) -> ExerciseProgramme | HttpResponse:
    programme = programme_find(token)
    if programme is None:
        return render(request, "treatment/exercises/unknown.html", status=404)
    if not link_is_usable(programme):
        return _gone(request, programme)
    return programme


def _rows(
    programme: ExerciseProgramme,
) -> list[tuple[ExerciseAdherence, Exercise]]:
    pathway = pathway_of(programme.episode)
    library = exercise_library(pathway)
    return [
        (row, library[row.exercise.exercise])
        for row in adherence(programme, pathway, clinic_today(programme))
        if row.exercise.exercise in library
    ]


@require_GET
@private_page
def page(request, token):
    programme = _usable(request, token)
    if isinstance(programme, HttpResponse):
        return programme
    programme_opened(programme)
    context = {
        "programme": programme,
        "clinic": programme.episode.clinic,
        "patient": programme.episode.patient,
        "practitioner": programme.created_by,
        "rows": _rows(programme),
        "token": token,
    }
    return render(request, "treatment/exercises/patient_page.html", context)


@require_POST
@private_page
def done(request, token):
    programme = _usable(request, token)
    if isinstance(programme, HttpResponse):
        return programme
    try:
        exercise_id = int(request.POST.get("exercise", ""))
        exercise_done(programme=programme, exercise_id=exercise_id)
    except ValueError:
        raise Http404 from None
    except ActionError:
        return _gone(request, programme)
    if not request.headers.get("HX-Request"):
        url = reverse("exercises:page", args=[token])
        return HttpResponseRedirect(f"{url}#exercise-{exercise_id}", status=303)
    row, exercise = next((r, e) for r, e in _rows(programme) if r.exercise.pk == exercise_id)
    context = {"row": row, "exercise": exercise, "token": token}
    return render(request, "treatment/exercises/includes/done.html", context)


@require_GET
def service_worker(request):
    """The service worker's script, from /p/ so that it may look after the pages there."""
    script = Path(finders.find(SERVICE_WORKER)).read_text(encoding="utf-8")
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/p/"
    return response


urlpatterns = [
    path("sw.js", service_worker, name="service_worker"),
    path("<str:token>/", page, name="page"),
    path("<str:token>/done/", done, name="done"),
]
