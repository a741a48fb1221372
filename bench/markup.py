"""Check the markup of every page type of a fresh Fascia with the Nu HTML checker (vnu).

A fresh app is started on SQLite (see harness.py); the benchmark reads, as browsers would:

- public: every live page of the seeded content, the enquiry form (blank, sent back with
  a mistake, asking before a second enquiry from one page for one number, refused for
  too many enquiries from one number), the confirmation, the
  privacy notice and the not-found page; the server-error page and the page shown when
  an enquiry could not be saved are rendered from their templates, since no request can
  reach them without breaking the app;
- staff: the sign-in page (blank and refusing a wrong password), the enquiry inbox (all
  and searched), one enquiry (as it arrived, with a note added, erased) and its erase
  confirmation, the staff list, the add-a-staff-member form, a staff member, the clinics
  and a clinic;
- workspace, as a physiotherapist: the start page, the patients (listed, searched, the
  new-patient form sent back with a mistake) and a patient, converting the enquiry, an
  episode's private links (and a new one), its screening and the clinician's review, the
  assessment form and a recorded assessment, the consent page and the episode page; the
  record is made through the project's actions (a clinician's screening needing review,
  the physiotherapist's judgement, an assessment), the rest through the pages;
- the patient's pages: the start and a step of a private link (/check/<token>/), and the
  start and a step of the public self-check (/self-check/);
- cms: the Wagtail sign-in, dashboard, clinic settings and a page's draft preview; with
  `--all-cms` also the page explorer, the symptoms snippets, the editor of a treatment and
  of a condition and a page's history, where Wagtail's own markup has errors.

Every page is saved to a file and the Nu HTML checker (npm `vnu-jar`, installed with
`npm ci --prefix bench --ignore-scripts`) checks them all in one run of `java`. Each error
is printed on stderr with its page, line and column; the figures are printed last, one a
line (`markup errors 0`). Exits with 1 if the checker found an error or a page did not
answer as expected. Warnings are counted, not failed on.

Run it with `.venv/bin/python bench/markup.py` (`--keep` keeps the pages checked, in the
app's var directory).
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import subprocess
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from enquiries import FORM_PATH, RECEIVED
from harness import App, Browser, Figures, Visit, hidden_fields, say, stop_cleanly_on_sigterm

BENCH = Path(__file__).resolve().parent
VNU_JAR = BENCH / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HINT = "run `npm ci --prefix bench --ignore-scripts` (or `make bench-tools`)"
VNU_SECONDS = 300
GROUPS = ("public", "staff", "workspace", "patient", "cms")
# Enquiries are confirmed at once, and a number's second enquiry is refused (429).
APP_ENV = {"FASCIA_ENQUIRY_MIN_SECONDS": "0", "FASCIA_ENQUIRY_PHONE_LIMIT": "1"}
PHONE = "+91 89510 47001"
TOO_SHORT_PHONE = "89510 470"
CMS_PAGES = {
    "dashboard": "/cms/",
    "clinic settings": "/cms/settings/website/clinicsettings/",
    "draft preview": "/cms/pages/{treatment}/view_draft/",
}
# Wagtail's own markup on these pages has errors that Fascia's templates cannot fix (a
# <div> in a <button> or <label>, `required` on a chooser's hidden input, ...): they are
# checked only with --all-cms.
CMS_PAGES_WITH_WAGTAIL_ERRORS = {
    "page explorer": "/cms/pages/",
    "symptoms": "/cms/snippets/website/symptom/",
    "treatment editor": "/cms/pages/{treatment}/edit/",
    "condition editor": "/cms/pages/{condition}/edit/",
    "page history": "/cms/pages/{treatment}/history/",
}

# The live pages of the seeded content and the pages no request reaches, rendered.
SITE_CODE = """
import json
from django.template.loader import render_to_string
from wagtail.models import Page
from fascia.website.models import TreatmentPage

pages = Page.objects.live().public().filter(depth__gt=1).order_by("path").specific()
treatment = TreatmentPage.objects.live().first()
data = {
    "name": "Asha Rao",
    "phone": "89510 47001",
    "email": "asha@example.com",
    "message": "Pain in the buttock when sitting.",
}
rendered = {
    "server error (500.html)": render_to_string("500.html"),
    "enquiry not saved (not_saved.html)": render_to_string(
        "enquiries/not_saved.html", {"data": data, "phone": "+91 89510 47001"}
    ),
}
print(json.dumps({
    "pages": [[page.url, str(page._meta.verbose_name)] for page in pages],
    "treatment": treatment.pk,
    "condition": treatment.condition_id,
    "rendered": rendered,
}))
"""


# A patient of the first clinic with a physiotherapist's record: an episode, a private
# screening link (its token printed once), a clinician's screening that needs review (a
# history of cancer), the physiotherapist's judgement and an assessment. Made through the
# project's actions, as the pages make them; USERNAME is the physiotherapist.
RECORD_CODE = """
import json
from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.pathways import REGISTRY, ExaminationInput
from fascia.records.actions import PatientDetails, episode_open, patient_create
from fascia.records.assessment import assessment_record
from fascia.records.models import Judgement, LinkKind
from fascia.records.screening import judgement_record, patient_link_create, screening_record

physio = User.objects.get(username=USERNAME)
clinic = Clinic.objects.order_by("pk").first()
pathway = REGISTRY.current("piriformis-dry-needling")
details = PatientDetails(
    full_name="Kavya Rao", clinic=clinic, sex="female", mobile="+919845012345", city="Bangalore"
)
patient = patient_create(details, by=physio, ip=None)
episode = episode_open(patient, clinic=clinic, physiotherapist=physio, by=physio, ip=None)
link, token = patient_link_create(episode=episode, kind=LinkKind.SCREENING, by=physio, ip=None)
answers = {
    "age": 34,
    "pregnant": False,
    "buttock_pain": True,
    "worse_sitting": True,
    "tension_pain": True,
    "pain_spread": ["back_of_thigh"],
    "symptom_weeks": 12,
    "treatments_tried": ["stretching", "rest"],
    "treatments_helped": "helped_a_little",
    "sitting_minutes": 20,
    **{
        q.id: False
        for g in pathway.screening
        if g.kind in ("red_flags", "contraindications")
        for q in g.questions
    },
    "health_conditions": ["none_of_these"],
    "needs_interpreter": False,
    "notch_tenderness": True,
    "cancer_history": True,
}
screening = screening_record(episode=episode, answers=answers, by=physio, ip=None)
judgement_record(
    screening=screening,
    judgement=Judgement.PROCEED,
    reason="Breast cancer 12 years ago, discharged; no signs now.",
    by=physio,
    ip=None,
)
episode.refresh_from_db()
assessment = assessment_record(
    episode=episode,
    examination=ExaminationInput(
        pain={"now": 6, "worst_week": 8, "least_week": 3},
        sitting_minutes=20,
        trigger_points={"piriformis": {"left": "active"}},
        diagnosis_code="G57.0",
        diagnosis_side="left",
    ),
    history={},
    findings="Tender over the left sciatic notch.",
    by=physio,
    ip=None,
)
print(json.dumps({
    "patient": patient.pk, "episode": episode.pk, "assessment": assessment.pk, "token": token
}))
"""


@dataclass
class Page:
    group: str
    name: str
    path: str
    html: str
    file: Path = Path()

    def describe(self) -> str:
        return f"[{self.group}] {self.name} ({self.path})"


@dataclass
class Message:
    page: Page
    kind: str  # "error" or "warning"
    line: int
    column: int
    text: str
    extract: str


class Pages:
    """The pages read so far, and what did not answer as it should have."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.problems: list[str] = []

    def add(self, group: str, name: str, visit: Visit, status: int = 200) -> Visit:
        if visit.status != status:
            self.problems.append(f"[{group}] {name}: {visit.path} answered {visit.status}")
        self.pages.append(Page(group, name, visit.path, visit.text))
        return visit

    def add_rendered(self, group: str, name: str, html: str) -> None:
        self.pages.append(Page(group, name, "rendered from its template", html))


def enquiry(form: Visit, phone: str, message: str) -> dict[str, str]:
    """The fields a patient sends from the form page `form`."""
    return {
        **hidden_fields(form.text),
        "name": "Asha Rao",
        "phone": phone,
        "clinic": "either",
        "preferred_time": "evening",
        "message": message,
        "consent": "on",
    }


def read_public(app: App, site: dict, pages: Pages) -> str:
    """Read the public pages; the reference of the enquiry sent."""
    browser = Browser(app)
    for url, kind in site["pages"]:
        pages.add("public", kind, browser.get(urlsplit(url).path))
    pages.add("public", "privacy notice", browser.get("/enquire/privacy/"))
    pages.add("public", "not found", browser.get("/no-such-page/"), 404)
    form = pages.add("public", "enquiry form", browser.get(FORM_PATH))
    mistake = enquiry(form, TOO_SHORT_PHONE, "Pain in the buttock when sitting.")
    pages.add("public", "enquiry form with a mistake", browser.post(FORM_PATH, mistake), 400)
    sent = enquiry(browser.get(FORM_PATH), PHONE, "Pain in the buttock when sitting.")
    received = pages.add("public", "enquiry received", browser.post(FORM_PATH, sent))
    # The same (cached) page's form again for the same number, with other words: asked to
    # confirm (409), the form carrying a fresh token; sent again, the number's limit says no.
    again = enquiry(browser.get(FORM_PATH), PHONE, "And pain down the leg.")
    asked = pages.add(
        "public", "enquiry form, already sent from it", browser.post(FORM_PATH, again), 409
    )
    confirmed = enquiry(asked, PHONE, "And pain down the leg.")
    pages.add("public", "enquiry form, too many enquiries", browser.post(FORM_PATH, confirmed), 429)
    for name, html in site["rendered"].items():
        pages.add_rendered("public", name, html)
    match = RECEIVED.search(urlsplit(received.url).path)
    if not match:
        raise RuntimeError(f"the enquiry was not confirmed: {received.status} {received.path}")
    return match.group(1)


def read_staff(app: App, reference: str, pages: Pages) -> None:
    username, password = "front-desk", secrets.token_urlsafe()
    app.create_user(username, password)
    browser = Browser(app)
    login = pages.add("staff", "sign-in", browser.get("/app/login/?next=/app/enquiries/"))
    wrong = {**hidden_fields(login.text), "username": username, "password": "not the password"}
    pages.add("staff", "sign-in refused", browser.post("/app/login/", wrong))
    browser.sign_in("/app/login/", username, password)
    if browser.second_factor_page is not None:
        pages.add("staff", "second factor", browser.second_factor_page)
    enquiry_path = f"/app/enquiries/{reference}/"
    pages.add("staff", "inbox", browser.get("/app/enquiries/"))
    pages.add(
        "staff", "inbox searched", browser.get("/app/enquiries/?" + urlencode({"search": PHONE}))
    )
    detail = pages.add("staff", "enquiry", browser.get(enquiry_path))
    note = {**hidden_fields(detail.text), "text": "Called back, no answer; will try again."}
    pages.add("staff", "enquiry with a note", browser.post(f"{enquiry_path}notes/", note))
    erase = pages.add("staff", "erase confirmation", browser.get(f"{enquiry_path}erase/"))
    erased = browser.post(f"{enquiry_path}erase/", hidden_fields(erase.text))
    pages.add("staff", "erased enquiry", erased)
    staff = pages.add("staff", "staff list", browser.get("/app/staff/"))
    pages.add("staff", "add a staff member", browser.get("/app/staff/add/"))
    pages.add("staff", "a staff member", browser.get(first_link(staff.text, "/app/staff/")))
    clinics = pages.add("staff", "clinics", browser.get("/app/clinics/"))
    pages.add("staff", "a clinic", browser.get(first_link(clinics.text, "/app/clinics/")))
    pages.add("staff", "audit trail", browser.get("/app/audit/"))
    pages.add("staff", "audit chains checked", browser.get("/app/audit/verify/"))


def read_workspace(app: App, reference: str, pages: Pages) -> None:
    """Read the clinician's workspace as a physiotherapist, and a patient's private link;
    the enquiry `reference` is only looked at, not converted."""
    username, password = "physio", secrets.token_urlsafe()
    app.create_user(username, password, role="physiotherapist")
    record = app.query(RECORD_CODE.replace("USERNAME", repr(username)))
    browser = Browser(app)
    browser.sign_in("/app/login/", username, password)
    pages.add("workspace", "start page", browser.get("/app/"))
    pages.add("workspace", "patients", browser.get("/app/patients/"))
    search = urlencode({"q": "Kavya"})
    pages.add("workspace", "patients searched", browser.get(f"/app/patients/?{search}"))
    new = browser.get("/app/patients/new/")
    mistake = {**hidden_fields(new.text), "full_name": "Kavya Rao", "mobile": TOO_SHORT_PHONE}
    sent_back = browser.post("/app/patients/new/", mistake)
    pages.add("workspace", "new patient with a mistake", sent_back)
    pages.add("workspace", "a patient", browser.get(f"/app/patients/{record['patient']}/"))
    convert = f"/app/enquiries/{reference}/convert/"
    pages.add("workspace", "convert an enquiry", browser.get(convert))
    episode = f"/app/episodes/{record['episode']}/"
    links = pages.add("workspace", "private links", browser.get(f"{episode}links/"))
    new_link = {**hidden_fields(links.text), "kind": "screening"}
    pages.add("workspace", "a new private link", browser.post(f"{episode}links/new/", new_link))
    pages.add("workspace", "screening", browser.get(f"{episode}screening/"))
    pages.add("workspace", "screening review", browser.get(f"{episode}screening/review/"))
    pages.add("workspace", "assessment form", browser.get(f"{episode}assessment/new/"))
    assessment = f"{episode}assessment/{record['assessment']}/"
    pages.add("workspace", "an assessment", browser.get(assessment))
    pages.add("workspace", "consent", browser.get(f"{episode}consent/"))
    shown = pages.add("workspace", "episode", browser.get(episode))
    started = browser.post(f"{episode}sessions/new/", hidden_fields(shown.text))
    pages.add("workspace", "a treatment session", started)
    pages.add("workspace", "care plan", browser.get(f"{episode}care-plan/"))
    pages.add("workspace", "home exercises", browser.get(f"{episode}exercises/"))
    pages.add("workspace", "discharge", browser.get(f"{episode}discharge/"))
    pages.add("workspace", "adverse events", browser.get("/app/adverse-events/"))
    pages.add("workspace", "credentials", browser.get("/app/credentials/"))
    pages.add("workspace", "account", browser.get("/app/account/"))
    patient = f"/app/patients/{record['patient']}/"
    pages.add("workspace", "a patient's data", browser.get(f"{patient}data/"))
    pages.add("workspace", "a copy of a patient's data", browser.get(f"{patient}copy/"))
    pages.add("appointments", "day", browser.get("/app/appointments/"))
    pages.add("appointments", "week", browser.get("/app/appointments/week/"))
    book = f"/app/appointments/book/?patient={record['patient']}"
    pages.add("appointments", "booking", browser.get(book))
    pages.add("appointments", "patients' requests", browser.get("/app/appointments/requests/"))
    pages.add("appointments", "working hours and leave", browser.get("/app/schedules/"))
    pages.add("appointments", "calendar feed", browser.get("/app/calendar-feed/"))
    pages.add("appointments", "messages needing attention", browser.get("/app/messages/"))
    read_patient_pages(app, record["token"], pages)


def read_patient_pages(app: App, token: str, pages: Pages) -> None:
    """A private link's start and first step, and the public self-check's, as a patient."""
    browser = Browser(app)
    start = pages.add("patient", "private link", browser.get(f"/check/{token}/"))
    step = first_link(start.text, f"/check/{token}/questions/", r"[\w-]+")
    pages.add("patient", "private link, a step", browser.get(step))
    pages.add("patient", "self-check", browser.get("/self-check/"))
    pages.add("patient", "self-check, a step", browser.get("/self-check/questions/"))


def first_link(html: str, prefix: str, record: str = r"\d+") -> str:
    """The first link on the page to a record under `prefix` (`/app/staff/12/`, say), its
    id matching `record`."""
    match = re.search(rf'href="({re.escape(prefix)}{record}/)"', html)
    if not match:
        raise RuntimeError(f"no link to a record under {prefix} on the page")
    return match.group(1)


def read_cms(app: App, site: dict, pages: Pages, *, all_pages: bool) -> None:
    username, password = "editor", secrets.token_urlsafe()
    app.create_user(username, password, superuser=True)
    browser = Browser(app)
    pages.add("cms", "sign-in", browser.get("/cms/login/"))
    browser.sign_in("/cms/login/", username, password)
    paths = {**CMS_PAGES, **(CMS_PAGES_WITH_WAGTAIL_ERRORS if all_pages else {})}
    for name, path in paths.items():
        pages.add("cms", name, browser.get(path.format(**site)))


def save(pages: list[Page], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages, 1):
        slug = re.sub(r"[^a-z0-9]+", "-", f"{page.group} {page.name}".lower()).strip("-")
        page.file = directory / f"{number:02d}-{slug}.html"
        page.file.write_text(page.html)


def check(java: str, jar: Path, pages: list[Page]) -> list[Message]:
    """Run the checker once on every page; its errors and warnings."""
    command = [java, "-jar", str(jar), "--format", "json", "--stdout"]
    result = subprocess.run(
        [*command, *(str(page.file) for page in pages)],
        capture_output=True,
        text=True,
        timeout=VNU_SECONDS,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"the checker failed ({result.returncode}): {result.stderr[-2000:]}"
        ) from None
    by_file = {page.file.name: page for page in pages}
    messages = []
    for found in report["messages"]:
        warning = found.get("subType") == "warning"
        if found.get("type") == "info" and not warning:
            continue  # the checker's notes, neither errors nor warnings
        page = by_file.get(Path(urlsplit(found.get("url", "")).path).name)
        if page is None:
            raise RuntimeError(f"the checker failed: {found.get('message')}")
        messages.append(
            Message(
                page=page,
                kind="warning" if warning else "error",
                line=found.get("lastLine", 0),
                column=found.get("firstColumn", found.get("lastColumn", 0)),
                text=found["message"],
                extract=found.get("extract", "").strip(),
            )
        )
    return messages


def report(pages: list[Page], messages: list[Message], figures: Figures) -> int:
    """Print every message on stderr and add the figures; the number of errors."""
    for message in messages:
        place = f"{message.page.describe()} {message.line}:{message.column}"
        say(f"{message.kind.upper()} {place}: {message.text}")
        if message.extract:
            say(f"    {' '.join(message.extract.split())}")
    counts = Counter((m.page.group, m.kind) for m in messages)
    for group in GROUPS:
        figures.add(group, "pages_checked", sum(1 for page in pages if page.group == group))
        figures.add(group, "errors", counts[group, "error"])
        figures.add(group, "warnings", counts[group, "warning"])
    errors = sum(1 for m in messages if m.kind == "error")
    figures.add("markup", "pages_checked", len(pages))
    figures.add("markup", "errors", errors)
    figures.add("markup", "warnings", len(messages) - errors)
    return errors


class MissingTool(Exception):
    pass


def find_java(name: str) -> str:
    java = shutil.which(name)
    if java is None:
        raise MissingTool(
            f"no `{name}`: the Nu HTML checker needs a Java runtime 11 or later "
            "(Debian: apt-get install default-jre-headless)"
        )
    return java


def run(args: argparse.Namespace, figures: Figures) -> list[str]:
    """Read the pages, check them, add the figures; what went wrong besides markup errors."""
    java = find_java(args.java)
    if not args.vnu.is_file():
        raise MissingTool(f"no Nu HTML checker at {args.vnu}: {INSTALL_HINT}")
    pages = Pages()
    with App("sqlite", env=APP_ENV, keep=args.keep) as app:
        site = app.query(SITE_CODE)
        say("reading the public pages")
        reference = read_public(app, site, pages)
        say("reading the workspace and the patient's pages")
        read_workspace(app, reference, pages)
        say("reading the staff pages")
        read_staff(app, reference, pages)
        say("reading the CMS pages")
        read_cms(app, site, pages, all_pages=args.all_cms)
        save(pages.pages, app.var_dir / "markup")
        say(f"checking {len(pages.pages)} pages with the Nu HTML checker")
        messages = check(java, args.vnu, pages.pages)
    errors = report(pages.pages, messages, figures)
    return pages.problems + ([f"the checker found {errors} errors"] if errors else [])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--java", default="java", help="the Java runtime to run vnu with")
    parser.add_argument(
        "--vnu", type=Path, default=VNU_JAR, help="the checker's jar (bench/node_modules)"
    )
    parser.add_argument(
        "--all-cms",
        action="store_true",
        help="also check the CMS pages whose Wagtail markup has errors (explorer, editors, ...)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the app's var directory, with the pages checked in its markup/ folder",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    figures = Figures()
    try:
        problems = run(args, figures)
    except MissingTool as error:
        say(f"PROBLEM: {error}")
        return 1
    except Exception as error:
        say(traceback.format_exc())
        problems = [f"the benchmark could not run: {error}"]
    for problem in problems:
        say(f"PROBLEM: {problem}")
    figures.print()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
