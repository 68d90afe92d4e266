"""``/accounts/saml/``: djangosaml2's views, answering 404 while SAML is not configured."""

from django.urls import path
from djangosaml2 import views

from accounts.saml import when_enabled

urlpatterns = [
    path("login/", when_enabled(views.LoginView.as_view()), name="saml2_login"),
    path("acs/", when_enabled(views.AssertionConsumerServiceView.as_view()), name="saml2_acs"),
    path("logout/", when_enabled(views.LogoutInitView.as_view()), name="saml2_logout"),
    path("ls/", when_enabled(views.LogoutView.as_view()), name="saml2_ls"),
    path("ls/post/", when_enabled(views.LogoutView.as_view()), name="saml2_ls_post"),
    path("metadata/", when_enabled(views.MetadataView.as_view()), name="saml2_metadata"),
]
