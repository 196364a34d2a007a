"""Erasing a client's personal data: a confirmation page that names the client, then
the erasure (administrators only; it cannot be undone)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import flash, request

from application.errors import ApplicationError, PermissionDeniedError, VersionConflictError
from domain.errors import DomainError
from interfaces.web.ui.core import Screens, actor, redirect_to, render, services, signed_in
from interfaces.web.ui.forms import FORM, Form
from interfaces.web.ui.i18n import _

screens = Screens()


@screens.get("/clients/<uuid:client_id>/erase")
@signed_in("client.erase")
def erase_client_form(client_id: UUID) -> Any:
    return _confirmation(client_id, Form())


@screens.post("/clients/<uuid:client_id>/erase")
@signed_in("client.erase")
def erase_client(client_id: UUID) -> Any:
    form = Form(request.form)
    version = form.version()
    reason = form.text("reason")
    status = 422
    if form.ok and version is not None and reason is not None:
        try:
            services().clients.erase(client_id, reason, version, actor())
        except VersionConflictError:
            status = 412
            form.error(
                FORM,
                _("Someone else changed this client since you opened the page; check it again."),
            )
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            status = 409
            form.refused(error)
        else:
            flash(_("The client's personal data was erased."), "success")
            return redirect_to("ui.client", client_id=client_id)
    return _confirmation(client_id, form, status)


def _confirmation(client_id: UUID, form: Form, status: int = 200) -> Any:
    client = services().clients.get(client_id, actor())
    return render("clients/erase.html", status, client=client, form=form)
