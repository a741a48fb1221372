"""The people every test suite shares, from the journeys Fascia is designed for (a pytest plugin).

Each persona is a fixture of the same name, created on first use with their memberships:

| fixture | who | role |
| --- | --- | --- |
| `priya` | Priya Rao | front desk, Bangalore |
| `arjun` | Arjun Rao | physiotherapist, Bangalore, certified to needle (checked by Farah) |
| `kiran` | Kiran Shetty | physiotherapist, Bangalore (Arjun's colleague), no credential |
| `meera` | Meera Reddy | physiotherapist, Hyderabad, certified to needle (checked by Farah) |
| `farah` | Farah Khan | clinic manager, Bangalore and Hyderabad |
| `neha` | Neha Iyer | content editor (the CMS only) |
| `asha` | Asha Menon | administrator (staff and clinics; no clinical content) |
| `vikram` | Vikram Das | an outsider: an account with no role anywhere |

`bangalore` and `hyderabad` are the clinic records the starting content creates. Every
persona signs in with `PERSONA_PASSWORD`; `signed_in(client, persona)` signs one in, past the
second factor (an authenticator app, `second_factor(persona)`, made on first use).
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.accounts.models import OrganisationRole, User
from fascia.clinics.actions import CMS_GROUPS
from fascia.clinics.models import Clinic, Credential, CredentialKind, Membership, Role

PERSONA_PASSWORD = "a long test password"


def make_staff(
    username: str,
    full_name: str,
    *,
    memberships: dict[Clinic, str] | None = None,
    organisation_role: str = OrganisationRole.NONE,
) -> User:
    first_name, last_name = full_name.split(" ", 1)
    user = User.objects.create_user(
        username,
        email=f"{username}@fascia.example",
        password=PERSONA_PASSWORD,
        first_name=first_name,
        last_name=last_name,
        organisation_role=organisation_role,
    )
    for clinic, role in (memberships or {}).items():
        Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def clinics(db) -> dict[str, Clinic]:
    """The clinic records, by slug; loads the starting content if it is not there yet."""
    if Clinic.objects.filter(slug__in=["bangalore", "hyderabad"]).count() != 2:
        from fascia.website.seed import load_site_content

        load_site_content()
    return {clinic.slug: clinic for clinic in Clinic.objects.all()}


@pytest.fixture
def bangalore(clinics) -> Clinic:
    return clinics["bangalore"]


@pytest.fixture
def hyderabad(clinics) -> Clinic:
    return clinics["hyderabad"]


@pytest.fixture
def priya(bangalore) -> User:
    """Front desk in Bangalore: calls back every new enquiry within the hour."""
    return make_staff("priya", "Priya Rao", memberships={bangalore: Role.FRONT_DESK})


def certify_dry_needling(user: User, *, by: User) -> Credential:
    """A dry-needling certificate valid from 2024 for five years, recorded and checked
    against the certificate by `by`, who manages `user` (as `credential_add` does)."""
    return Credential.objects.create(
        user=user,
        kind=CredentialKind.DRY_NEEDLING,
        title="Dry needling — level 1",
        issuer="Indian Association of Physiotherapists",
        number=f"DN-{user.pk:05d}",
        valid_from=dt.date(2024, 1, 15),
        valid_to=dt.date(2029, 1, 14),
        recorded_by=by,
        checked_by=by,
        checked_at=timezone.now(),
    )


@pytest.fixture
def arjun(bangalore, farah) -> User:
    """Physiotherapist in Bangalore, trained in dry needling (a valid credential, checked by
    Farah, his clinic manager)."""
    user = make_staff("arjun", "Arjun Rao", memberships={bangalore: Role.PHYSIOTHERAPIST})
    certify_dry_needling(user, by=farah)
    return user


@pytest.fixture
def kiran(bangalore) -> User:
    """Arjun's colleague: a second physiotherapist in Bangalore, not certified to needle."""
    return make_staff("kiran", "Kiran Shetty", memberships={bangalore: Role.PHYSIOTHERAPIST})


@pytest.fixture
def meera(hyderabad, farah) -> User:
    """Physiotherapist in Hyderabad, trained in dry needling (a valid credential, checked by
    Farah, her clinic manager)."""
    user = make_staff("meera", "Meera Reddy", memberships={hyderabad: Role.PHYSIOTHERAPIST})
    certify_dry_needling(user, by=farah)
    return user


@pytest.fixture
def farah(bangalore, hyderabad) -> User:
    """Clinic manager of both clinics."""
    return make_staff(
        "farah",
        "Farah Khan",
        memberships={bangalore: Role.CLINIC_MANAGER, hyderabad: Role.CLINIC_MANAGER},
    )


@pytest.fixture
def neha(db) -> User:
    """Content editor: the CMS (in Wagtail's group for the role, as setting the role puts
    her), nothing in the staff area."""
    user = make_staff("neha", "Neha Iyer", organisation_role=OrganisationRole.CONTENT_EDITOR)
    user.groups.add(Group.objects.get(name=CMS_GROUPS[OrganisationRole.CONTENT_EDITOR]))
    return user


@pytest.fixture
def asha(db) -> User:
    """Administrator: staff and clinics everywhere, no clinical content."""
    return make_staff("asha", "Asha Menon", organisation_role=OrganisationRole.ADMINISTRATOR)


@pytest.fixture
def vikram(db) -> User:
    """An outsider: an active account with no role in any clinic."""
    return make_staff("vikram", "Vikram Das")


def second_factor(user: User) -> TOTPDevice:
    """The user's authenticator app: their confirmed TOTP device, made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app")


def signed_in(client, user: User):
    """Sign `user` in with both factors: their password and their authenticator app's code.

    Every staff test signs in through this, never `client.force_login` alone: people who see
    clinical data or manage staff get no further than the second-factor page without it.
    """
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = second_factor(user).persistent_id
    session.save()
    return client
