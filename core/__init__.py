"""Liandong core platform: tenants, users, roles, org hierarchy, plugin manager, UI shell."""

__version__ = "0.1.0"
