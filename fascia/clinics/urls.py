"""The staff area's own pages, mounted under /app/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import clinic_views, views
from .forms import StaffAuthenticationForm

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="clinics/login.html",
            authentication_form=StaffAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="staff:login"), name="logout"),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path("staff/", views.staff_list, name="list"),
    path("staff/add/", views.staff_add, name="add"),
    path("staff/<int:user_id>/", views.staff_detail, name="detail"),
    path(
        "staff/<int:user_id>/memberships/",
        views.staff_membership_grant,
        name="membership_grant",
    ),
    path(
        "staff/<int:user_id>/memberships/<int:membership_id>/revoke/",
        views.staff_membership_revoke,
        name="membership_revoke",
    ),
    path("staff/<int:user_id>/deactivate/", views.staff_deactivate_view, name="deactivate"),
    path("staff/<int:user_id>/reactivate/", views.staff_reactivate_view, name="reactivate"),
    path(
        "staff/<int:user_id>/organisation-role/",
        views.staff_organisation_role,
        name="organisation_role",
    ),
    path(
        "staff/<int:user_id>/invitation/",
        views.staff_invitation_resend,
        name="invitation_resend",
    ),
    path("clinics/", clinic_views.clinic_list, name="clinic_list"),
    path("clinics/add/", clinic_views.clinic_add, name="clinic_add"),
    path("clinics/<int:clinic_id>/", clinic_views.clinic_detail, name="clinic_detail"),
    path(
        "clinics/<int:clinic_id>/deactivate/",
        clinic_views.clinic_deactivate_view,
        name="clinic_deactivate",
    ),
    path(
        "clinics/<int:clinic_id>/reactivate/",
        clinic_views.clinic_reactivate_view,
        name="clinic_reactivate",
    ),
]
