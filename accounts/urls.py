from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import auth_views as sign_in
from accounts import sso, views

# Not namespaced: settings.LOGIN_URL and LOGOUT_REDIRECT_URL name "login", and Django's password
# reset views name "password_reset_done", "password_reset_confirm" and "password_reset_complete".
urlpatterns = [
    path("login/", sign_in.LoginView.as_view(), name="login"),
    path("login/code/", sign_in.login_code_view, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", sign_in.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        sign_in.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("two-factor/", sign_in.two_factor_view, name="two_factor"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("sso/login/", sso.SsoLoginView.as_view(), name="sso_login"),
    path("sso/callback/", sso.SsoCallbackView.as_view(), name="sso_callback"),
    path("sso/logout/", sso.SsoLogoutView.as_view(), name="sso_logout"),
    path("tokens/", views.api_token_list_view, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
