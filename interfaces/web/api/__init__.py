"""The JSON API under ``/api/v1``."""

from __future__ import annotations

from flask import Blueprint

from interfaces.web.api.clients import clients
from interfaces.web.api.development import initiatives, reports
from interfaces.web.api.ledger import ledger
from interfaces.web.api.matching import candidates, plans
from interfaces.web.api.needs import needs
from interfaces.web.api.network import contacts, councils, network
from interfaces.web.api.openapi import openapi
from interfaces.web.api.organizations import organizations
from interfaces.web.api.oversight import audit, dashboard, system
from interfaces.web.api.reference import areas, centers
from interfaces.web.api.resource_files import resource_files
from interfaces.web.api.resources import resources
from interfaces.web.api.users import auth, users


def api_blueprint() -> Blueprint:
    """A fresh ``/api/v1`` blueprint with every resource's blueprint nested in it."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for child in (
        auth,
        users,
        areas,
        centers,
        clients,
        organizations,
        resources,
        resource_files,
        needs,
        dashboard,
        audit,
        system,
        ledger,
        initiatives,
        reports,
        candidates,
        plans,
        councils,
        contacts,
        network,
        openapi,
    ):
        api.register_blueprint(child)
    return api
