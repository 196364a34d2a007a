"""The resource directory: list with filters, detail with utilisation, and
create/edit/capacity/status for coordinators."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from flask import abort, flash, request, url_for
from werkzeug.datastructures import MultiDict

from application.errors import ApplicationError, PermissionDeniedError, VersionConflictError
from application.resources import ResourceDTO, ResourceFilter
from domain.errors import DomainError
from domain.values import CareLevel, Contact, NeedCategory, ResourceStatus, ServiceType, Weekday
from interfaces.web.ui.core import Screens, actor, redirect_to, render, services, signed_in
from interfaces.web.ui.forms import FORM, NAME_MAX, Form
from interfaces.web.ui.i18n import _

screens = Screens()

MAX_CAPACITY = 100000
PER_PAGE = 50
"""Resources per page of the list (the first page is the first 50 by name)."""


def _lookups() -> dict[str, Any]:
    app = services()
    who = actor()
    return {
        "areas": {a.code: a.name for a in app.reference.list_areas(who)},
        "organizations": {o.id: o.name for o in app.organizations.list_organizations(who)},
        "categories": list(NeedCategory),
        "service_types": list(ServiceType),
        "statuses": list(ResourceStatus),
        "weekdays": list(Weekday),
        "care_levels": list(CareLevel),
    }


@screens.get("/resources")
@signed_in("resource.read")
def resources() -> Any:
    form = Form(request.args)
    category = form.choice("category", NeedCategory, required=False)
    service_type = form.choice("service_type", ServiceType, required=False)
    status = form.choice("status", ResourceStatus, required=False)
    area = form.text("area", required=False, max_length=32)
    has_capacity = form.value("has_capacity") == "1"
    number = form.integer("page", required=False, minimum=1, maximum=100_000) or 1
    page = services().resources.list_page(
        ResourceFilter(
            category=category,
            area_code=area,
            status=status,
            service_type=service_type,
            has_capacity=has_capacity,
        ),
        actor(),
        number,
        PER_PAGE,
    )
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render(
        "resources/list.html",
        items=page.items,
        page=page,
        page_url=lambda n: _page_url(query, n),
        filters={
            "category": category,
            "service_type": service_type,
            "status": status,
            "area": area,
            "has_capacity": has_capacity,
        },
        filtered=bool(query),
        **_lookups(),
    )


def _page_url(query: dict[str, str], number: int) -> str:
    """The list's URL with the same filters, at page ``number``."""
    args = {**query, **({"page": str(number)} if number > 1 else {})}
    return url_for("ui.resources") + (f"?{urlencode(args)}" if args else "")


@screens.get("/resources/<uuid:resource_id>")
@signed_in("resource.read")
def resource(resource_id: UUID) -> Any:
    return _detail(services().resources.get(resource_id, actor()))


def _detail(
    item: ResourceDTO,
    status: int = 200,
    form: Form | None = None,
    open_action: str | None = None,
    conflict: bool = False,
) -> Any:
    return render(
        "resources/detail.html",
        status,
        item=item,
        form=form or Form(),
        blank=Form(),
        open_action=open_action,
        conflict=conflict,
        **_lookups(),
    )


def read_resource_form(form: Form, lookups: dict[str, Any]) -> dict[str, Any] | None:
    name = form.text("name", max_length=NAME_MAX)
    service_type = form.choice("service_type", ServiceType)
    categories = form.choices("categories", NeedCategory, required=True)
    area_codes = form.codes("area_codes", lookups["areas"], required=True)
    weekdays = form.choices("weekdays", Weekday)
    eligible = form.choices("eligible_care_levels", CareLevel)
    fee = form.text("fee", required=False, max_length=NAME_MAX)
    organization_raw = form.value("organization_id").strip()
    organization_id = None
    if organization_raw:
        try:
            organization_id = UUID(organization_raw)
        except ValueError:
            organization_id = None
        if organization_id not in lookups["organizations"]:
            form.error("organization_id", _("Choose one of the options."))
    person = form.text("contact_person", required=False, max_length=NAME_MAX)
    phone = form.text("contact_phone", required=False, max_length=40)
    email = form.text("contact_email", required=False, max_length=NAME_MAX)
    address = form.text("contact_address", required=False, max_length=NAME_MAX)
    if email and "@" not in email:
        form.error("contact_email", _("Enter an email address like name@example.jp."))
    if not form.ok:
        return None
    contact = (
        Contact(person, phone, email, address) if any((person, phone, email, address)) else None
    )
    return {
        "name": name,
        "service_type": service_type,
        "categories": categories,
        "area_codes": area_codes,
        "weekdays": weekdays,
        "eligible_care_levels": eligible,
        "fee": fee,
        "organization_id": organization_id,
        "contact": contact,
    }


@screens.route("/resources/new", methods=["GET", "POST"])
@signed_in("resource.create")
def new_resource() -> Any:
    lookups = _lookups()
    form = Form(request.form if request.method == "POST" else {})
    key = form.value("key") or uuid.uuid4().hex
    if request.method == "POST":
        capacity = form.integer("capacity", required=False, minimum=0, maximum=MAX_CAPACITY)
        values = read_resource_form(form, lookups)
        if values is not None:
            try:
                created = services().resources.register(
                    values.pop("name"),
                    values.pop("service_type"),
                    values.pop("categories"),
                    values.pop("area_codes"),
                    actor(),
                    capacity=capacity,
                    planned=form.checkbox("planned"),
                    idempotency_key=f"ui-{key}",
                    **values,
                )
            except (DomainError, ApplicationError) as error:
                if isinstance(error, PermissionDeniedError):
                    raise
                form.refused(error)
            else:
                flash(_("The resource was registered."), "success")
                return redirect_to("ui.resource", resource_id=created.id)
    return render(
        "resources/form.html",
        422 if form.errors else 200,
        form=form,
        key=key,
        item=None,
        **lookups,
    )


def _form_of(item: ResourceDTO) -> Form:
    data: list[tuple[str, str]] = [
        ("name", item.name),
        ("service_type", item.service_type.value),
        ("fee", item.fee or ""),
        ("organization_id", str(item.organization_id or "")),
        ("version", str(item.version)),
    ]
    data += [("categories", c.value) for c in item.categories]
    data += [("area_codes", a) for a in item.area_codes]
    data += [("weekdays", w.value) for w in item.weekdays]
    data += [("eligible_care_levels", c.value) for c in item.eligible_care_levels]
    if item.contact is not None:
        data += [
            ("contact_person", item.contact.person or ""),
            ("contact_phone", item.contact.phone or ""),
            ("contact_email", item.contact.email or ""),
            ("contact_address", item.contact.address or ""),
        ]
    return Form(MultiDict(data))


@screens.route("/resources/<uuid:resource_id>/edit", methods=["GET", "POST"])
@signed_in("resource.change")
def edit_resource(resource_id: UUID) -> Any:
    app = services()
    item = app.resources.get(resource_id, actor())
    lookups = _lookups()
    if request.method == "GET":
        return render("resources/form.html", form=_form_of(item), item=item, key="", **lookups)
    form = Form(request.form)
    version = form.version()
    values = read_resource_form(form, lookups)
    status = 422
    if values is not None and version is not None:
        try:
            reason = form.text("reason", required=False)
            app.resources.update(resource_id, values, version, actor(), reason=reason)
        except VersionConflictError:
            status = 412
            form.error(
                FORM,
                _(
                    "Someone else changed this resource since you opened the form. "
                    "Your changes are below; check the current values and save again."
                ),
            )
            form.data.setlist("version", [str(item.version)])
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            status = 409 if isinstance(error, DomainError) else 422
            form.refused(error)
        else:
            flash(_("The resource was updated."), "success")
            return redirect_to("ui.resource", resource_id=resource_id)
    return render("resources/form.html", status, form=form, item=item, key="", **lookups)


RESOURCE_ACTIONS = ("capacity", "suspend", "reactivate", "close")


@screens.post("/resources/<uuid:resource_id>/<action>")
@signed_in("resource.change")
def resource_action(resource_id: UUID, action: str) -> Any:
    if action not in RESOURCE_ACTIONS:
        abort(404)
    app = services()
    who = actor()
    form = Form(request.form)
    version = form.version()
    reason = form.text("reason")
    capacity = None
    if action == "capacity" and not form.checkbox("unlimited"):
        capacity = form.integer("capacity", minimum=0, maximum=MAX_CAPACITY)
    status = 422
    conflict = False
    if form.ok and version is not None and reason is not None:
        try:
            if action == "capacity":
                app.resources.change_capacity(resource_id, capacity, reason, version, who)
            elif action == "suspend":
                app.resources.suspend(resource_id, reason, version, who)
            elif action == "reactivate":
                app.resources.reactivate(resource_id, reason, version, who)
            else:
                app.resources.close(resource_id, reason, version, who)
        except VersionConflictError:
            status, conflict = 412, True
            form.error(
                FORM,
                _(
                    "Someone else changed this resource since you opened the page; "
                    "check the values below and send again."
                ),
            )
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            status = 409 if isinstance(error, DomainError) else 422
            form.refused(error)
        else:
            flash(_("The resource was updated."), "success")
            return redirect_to("ui.resource", resource_id=resource_id)
    item = app.resources.get(resource_id, who)
    if conflict:
        form.data.setlist("version", [str(item.version)])
    return _detail(item, status, form, action, conflict)
