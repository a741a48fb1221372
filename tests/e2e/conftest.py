"""Browser fixtures for the end-to-end tests: one Chromium per session, a page per test.

The tests drive Debian's Chromium (/usr/bin/chromium) through Playwright against
pytest-django's live server, with the starting site content loaded into its database.
Every request to any other origin is aborted and recorded: the public site must make
no outside calls, so a test fails if one was attempted.
"""

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# database access from it ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOBILE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"mobile": MOBILE, "desktop": DESKTOP}


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e is an `e2e` test, so `-m "not e2e"` leaves them all out."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if not CHROMIUM.exists():
        pytest.fail(
            f"The end-to-end tests need Chromium at {CHROMIUM} "
            "(Debian: apt-get install chromium). They are never skipped.",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def site_content(live_server, committed_site):
    """The starting content, committed, in the live server's database, for each test.

    The live server needs committed data, so these tests are transactional: the database
    is emptied after each, and the session's seeded snapshot put back before the next
    (root conftest.py).
    """
    return committed_site


class Browsing:
    """Opens pages on the live server and records requests to any other origin."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        origin = urlsplit(self.base_url)
        self.origin = (origin.scheme, origin.netloc)
        self.outside_requests: list[str] = []
        self.contexts = []

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or (parts.scheme, parts.netloc) == self.origin:
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort()

    def new_page(self, viewport=DESKTOP, **context_options):
        context = self.browser.new_context(
            viewport=viewport, base_url=self.base_url, **context_options
        )
        context.set_default_timeout(10_000)
        context.route("**/*", self._route)
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, live_server, site_content):
    session = Browsing(browser, live_server.url)
    yield session
    session.close()
    assert session.outside_requests == [], (
        f"The site tried to reach outside origins: {session.outside_requests}"
    )


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    return VIEWPORTS[request.param]


@pytest.fixture
def page(browsing, viewport):
    """A fresh page at each viewport (mobile 360 by 780, desktop 1280 by 800)."""
    return browsing.new_page(viewport)


@pytest.fixture
def mobile_page(browsing):
    return browsing.new_page(MOBILE)


@pytest.fixture
def desktop_page(browsing):
    return browsing.new_page(DESKTOP)


def totp_code(user) -> str:
    """The code the person's authenticator app shows now, computed from their device's
    secret; the next step's when this step's was already used (a code works once)."""
    from binascii import unhexlify

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    for drift in range(device.drift, device.drift + device.tolerance + 1):
        totp = TOTP(unhexlify(device.key), device.step, device.t0, device.digits, drift)
        if totp.t() > device.last_t:
            return f"{totp.token():0{device.digits}d}"
    raise AssertionError("Every code the app could show now has been used.")


def _sign_in(page, username: str, password: str | None = None, *, login_url="/app/login/"):
    from django.db.models import Q

    from fascia.accounts.models import User
    from fascia.tests.personas import PERSONA_PASSWORD, second_factor

    user = User.objects.get(Q(username__iexact=username) | Q(email__iexact=username))
    second_factor(user)
    if login_url is not None:
        page.goto(login_url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or PERSONA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(user))
    page.get_by_role("button", name="Continue").click()


@pytest.fixture
def app_code():
    """`app_code(user)`: the code the user's authenticator app shows now."""
    return totp_code


@pytest.fixture
def sign_in():
    """`sign_in(page, username, password=PERSONA_PASSWORD, login_url="/app/login/")`: as a
    person does, the password, then the code from their authenticator app (an app is set up
    for them first if they have none). `login_url=None` when the page is already at a sign-in
    form; "/cms/login/" for the CMS's own."""
    return _sign_in


@dataclass(frozen=True)
class Tomorrow:
    day: dt.date
    zone: ZoneInfo

    def at(self, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(hour, minute), self.zone)


@pytest.fixture
def arjun_works_tomorrow(bangalore, arjun) -> Tomorrow:
    """The pathway's appointment types, and Arjun at the Bangalore clinic tomorrow (in its
    time zone) from 09:00 to 13:00 with a break from 11:00 to 11:30."""
    from fascia.scheduling.models import WorkingHours
    from fascia.scheduling.schedules import seed_appointment_types

    zone = ZoneInfo(bangalore.time_zone)
    tomorrow = Tomorrow(dt.datetime.now(zone).date() + dt.timedelta(days=1), zone)
    seed_appointment_types()
    WorkingHours.objects.create(
        practitioner=arjun,
        clinic=bangalore,
        weekday=tomorrow.day.weekday(),
        starts=dt.time(9, 0),
        ends=dt.time(13, 0),
        break_starts=dt.time(11, 0),
        break_ends=dt.time(11, 30),
    )
    return tomorrow


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe_source():
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def format_violations(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact'}): {violation['help']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


# The innermost elements reaching past 360 px, with the section they are in: what to fix.
WIDER_THAN_A_PHONE = """() => [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > 360)
    .filter((element) => ![...element.children].some(
        (child) => child.getBoundingClientRect().right > 360))
    .slice(0, 5)
    .map((element) => [
        element.closest("section")?.getAttribute("aria-labelledby") ?? "",
        `${element.tagName.toLowerCase()}.${element.className}`,
        Math.round(element.getBoundingClientRect().right),
    ].join(" "))"""


@pytest.fixture(scope="session")
def assert_fits_a_phone():
    """`assert_fits_a_phone(page, what)`: fail, naming what reaches past the edge, unless
    the page is no wider than a 360 px phone."""

    def check(page, what: str) -> None:
        page.wait_for_load_state("load")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{what} is {width} px wide: {page.evaluate(WIDER_THAN_A_PHONE)}"

    return check


@pytest.fixture(scope="session")
def assert_accessible(axe_source):
    """Run axe-core on the page and fail, listing each violation, unless there are none.

    The script is evaluated through the DevTools protocol rather than added as a <script>
    element: the site's Content-Security-Policy forbids inline scripts, and evaluation
    is not subject to it.
    """

    def check(page, context: str = "") -> None:
        # A test may go on as soon as the text it expects is in the document, before the
        # stylesheet has arrived; axe must see the page as it is shown, styles and all.
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        # Every rule still runs; `resultTypes` only spares axe from listing every node
        # that passed (one each is kept), which is most of its time on a large page.
        results = page.evaluate(
            """async (tags) => await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            })""",
            AXE_TAGS,
        )
        violations = results["violations"]
        if violations:
            pytest.fail(
                f"axe-core found {len(violations)} accessibility violation(s) on "
                f"{context or page.url}:\n{format_violations(violations)}",
                pytrace=False,
            )

    return check
