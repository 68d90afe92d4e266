"""Shared REST API plumbing: errors, pagination, conditional requests, idempotency, throttling.

Nothing here knows the domain; the apps' ``api`` packages build their endpoints on it.
"""
