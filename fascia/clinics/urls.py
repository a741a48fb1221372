"""The staff area's own pages, mounted under /app/."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import audit_views, clinic_views, credential_views, two_factor, views
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
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="clinics/password_reset/form.html",
            subject_template_name="clinics/email/password_reset_subject.txt",
            email_template_name="clinics/email/password_reset_body.txt",
            success_url=reverse_lazy("staff:password_reset_sent"),
            extra_email_context={"base_url": settings.FASCIA_BASE_URL},
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="clinics/password_reset/sent.html"),
        name="password_reset_sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        two_factor.PasswordResetView.as_view(),
        name="password_reset_confirm",
    ),
    path("two-factor/", two_factor.verify, name="two_factor"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path("account/", two_factor.account, name="account"),
    path(
        "account/sign-out-everywhere/",
        two_factor.sign_out_everywhere_view,
        name="sign_out_everywhere",
    ),
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
        "staff/<int:user_id>/second-factor/reset/",
        two_factor.staff_second_factor_reset,
        name="second_factor_reset",
    ),
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
    path(
        "staff/<int:user_id>/credentials/add/",
        credential_views.staff_credential_add,
        name="credential_add",
    ),
    path("credentials/", credential_views.my_credentials, name="my_credentials"),
    path("credentials/add/", credential_views.my_credential_add, name="my_credential_add"),
    path(
        "staff/<int:user_id>/credentials/<int:credential_id>/withdraw/",
        credential_views.credential_withdraw_view,
        name="credential_withdraw",
    ),
    path(
        "staff/<int:user_id>/credentials/<int:credential_id>/check/",
        credential_views.credential_check_view,
        name="credential_check",
    ),
    path(
        "credentials/<int:credential_id>/evidence/",
        credential_views.credential_evidence,
        name="credential_evidence",
    ),
    path("audit/", audit_views.audit_list, name="audit"),
    path("audit/export.csv", audit_views.audit_export, name="audit_export"),
    path("audit/verify/", audit_views.audit_verify, name="audit_verify"),
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
