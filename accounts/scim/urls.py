"""``/scim/v2/`` on django-scim2's views. Resource ids are the records' numbers: any other id is a 404."""

from django.urls import re_path
from django_scim import views

from accounts.scim.errors import UnknownResource

app_name = "scim"

RESOURCE_ID = r"(?:/(?P<uuid>[0-9]{1,18}))?"

urlpatterns = [
    re_path(r"^$", views.SCIMView.as_view(implemented=False), name="root"),
    re_path(r"^\.search$", views.SearchView.as_view(implemented=False), name="search"),
    re_path(r"^Users/\.search$", views.UserSearchView.as_view(), name="users-search"),
    re_path(rf"^Users{RESOURCE_ID}$", views.UsersView.as_view(), name="users"),
    re_path(r"^Groups/\.search$", views.GroupSearchView.as_view(), name="groups-search"),
    re_path(rf"^Groups{RESOURCE_ID}$", views.GroupsView.as_view(), name="groups"),
    # Any other id (not a number) names no resource: a SCIM 404, not the site's page.
    re_path(r"^(?:Users|Groups)/(?P<uuid>[^/]+)$", UnknownResource.as_view(), name="unknown-resource"),
    re_path(r"^Me$", views.SCIMView.as_view(implemented=False), name="me"),
    re_path(
        r"^ServiceProviderConfig$", views.ServiceProviderConfigView.as_view(), name="service-provider-config"
    ),
    re_path(
        r"^ResourceTypes(?:/(?P<uuid>[^/]+))?$", views.ResourceTypesView.as_view(), name="resource-types"
    ),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?$", views.SchemasView.as_view(), name="schemas"),
    re_path(r"^Bulk$", views.SCIMView.as_view(implemented=False), name="bulk"),
]
