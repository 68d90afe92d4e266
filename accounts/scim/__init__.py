"""SCIM 2.0 provisioning (RFC 7643/7644) at ``/scim/v2/``, on django-scim2's views.

The identity provider (Okta, Entra ID…) creates, changes and deactivates users and manages teams
(SCIM groups) with an admin's API token carrying the ``scim:provision`` scope. The adapters here map
SCIM resources onto ``accounts.User`` and ``accounts.Team`` through the services in
``accounts.provisioning``; docs/deploy.md ("Provisioning with SCIM") lists what is mapped.
"""
