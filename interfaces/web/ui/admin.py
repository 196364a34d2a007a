"""Administrators' screens: users (create, roles, password reset, deactivate), failed
sign-ins, areas, centers."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, request

from application.errors import ApplicationError, PermissionDeniedError, VersionConflictError
from application.password_policy import MIN_PASSWORD_LENGTH
from domain.errors import DomainError
from domain.values import Role
from interfaces.web.ui.core import Screens, actor, redirect_to, render, services, signed_in
from interfaces.web.ui.forms import FORM, NAME_MAX, Form
from interfaces.web.ui.i18n import _

screens = Screens()


def _refuse(form: Form, error: Exception) -> int:
    if isinstance(error, PermissionDeniedError):
        raise error
    if isinstance(error, VersionConflictError):
        form.error(
            FORM, _("Someone else changed this since you opened the page; check it and try again.")
        )
        return 412
    form.refused(error)
    return 409 if isinstance(error, DomainError) else 422


# -- users -----------------------------------------------------------------------------------


@screens.get("/admin/users")
@signed_in("user.read")
def admin_users() -> Any:
    app = services()
    who = actor()
    return render(
        "admin/users.html",
        users=app.accounts.list_users(who),
        centers={c.code: c.name for c in app.reference.list_centers(who)},
    )


@screens.route("/admin/users/new", methods=["GET", "POST"])
@signed_in("user.create")
def admin_new_user() -> Any:
    app = services()
    who = actor()
    centers = {c.code: c.name for c in app.reference.list_centers(who)}
    form = Form(request.form if request.method == "POST" else {})
    status = 200
    if request.method == "POST":
        username = form.text("username", max_length=64)
        display_name = form.text("display_name", required=False, max_length=NAME_MAX)
        password = form.text("password", max_length=200)
        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            # Said here too, beside what else is wrong; the rest of the policy is the
            # application's (it answers one refusal at a time).
            form.error(
                "password", _("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
            )
        roles = form.choices("roles", Role, required=True)
        center = form.code("center", centers, required=Role.CARE_MANAGER in roles)
        if form.ok and username and password:
            try:
                app.accounts.create_user(username, password, roles, who, center, display_name)
            except (DomainError, ApplicationError) as error:
                status = _refuse(form, error)
            else:
                flash(_("User %(name)s created.", name=username), "success")
                return redirect_to("ui.admin_user", username=username)
        else:
            status = 422
    return render("admin/user_form.html", status, form=form, roles=list(Role), centers=centers)


@screens.get("/admin/users/<username>")
@signed_in("user.read")
def admin_user(username: str) -> Any:
    return _user_page(username)


def _user_page(
    username: str,
    status: int = 200,
    form: Form | None = None,
    open_action: str | None = None,
    temporary_password: str | None = None,
) -> Any:
    app = services()
    who = actor()
    account = app.accounts.get_user(username, who)
    return render(
        "admin/user.html",
        status,
        account=account,
        form=form or Form(),
        blank=Form(),
        open_action=open_action,
        roles=list(Role),
        centers={c.code: c.name for c in app.reference.list_centers(who)},
        temporary_password=temporary_password,
    )


@screens.post("/admin/users/<username>/<action>")
@signed_in("user.create")
def admin_user_action(username: str, action: str) -> Any:
    app = services()
    who = actor()
    form = Form(request.form)
    version = form.version()
    status = 422
    if action not in ("grant", "revoke", "reset", "deactivate"):
        abort(404)
    role = form.choice("role", Role) if action in ("grant", "revoke") else None
    reason = form.text("reason") if action in ("grant", "revoke", "deactivate") else None
    if action == "deactivate" and not form.checkbox("confirm"):
        form.error("confirm", _("Tick the box to confirm the deactivation."))
    if form.ok and version is not None:
        try:
            if action == "reset":
                reset = app.accounts.reset_password(username, version, who)
                # Shown on this page, never put in the session cookie (which is signed,
                # not encrypted) as a flashed message would be.
                return _user_page(username, temporary_password=reset.temporary_password)
            if action == "grant" and role is not None and reason is not None:
                app.accounts.grant_role(username, role, version, who, reason)
                flash(_("Role granted."), "success")
            elif action == "revoke" and role is not None and reason is not None:
                app.accounts.revoke_role(username, role, version, who, reason)
                flash(_("Role revoked."), "success")
            elif reason is not None:
                app.accounts.deactivate_user(username, reason, version, who)
                flash(_("User deactivated; their sessions have ended."), "success")
            return redirect_to("ui.admin_user", username=username)
        except (DomainError, ApplicationError) as error:
            status = _refuse(form, error)
    return _user_page(username, status, form, action)


@screens.get("/admin/sign-ins")
@signed_in("user.read")
def admin_sign_ins() -> Any:
    """Failed sign-ins and lockouts, newest first."""
    return render("admin/sign_ins.html", records=services().accounts.sign_in_failures(actor()))


@screens.get("/admin/views")
@signed_in("system.read")
def admin_views() -> Any:
    """Where each read model stands: current, behind, being rebuilt, or failed (and why)."""
    return render("admin/views.html", views=services().oversight.view_status(actor()))


# -- areas and centers ------------------------------------------------------------------------


@screens.route("/admin/areas", methods=["GET", "POST"])
@signed_in("area.read")
def admin_areas() -> Any:
    app = services()
    who = actor()
    form = Form(request.form if request.method == "POST" else {})
    status = 200
    if request.method == "POST":
        who.require("area.create")
        code = form.text("code", max_length=32)
        name = form.text("name", max_length=NAME_MAX)
        if form.ok and code and name:
            try:
                app.reference.create_area(code, name, who)
            except (DomainError, ApplicationError) as error:
                status = _refuse(form, error)
            else:
                flash(_("Area %(code)s created.", code=code), "success")
                return redirect_to("ui.admin_areas")
        else:
            status = 422
    return render(
        "admin/areas.html",
        status,
        form=form,
        areas=app.reference.list_areas(who),
        edit=Form(),
        editing=None,
        blank_form=Form(),
    )


@screens.post("/admin/areas/<code>/rename")
@signed_in("area.change")
def admin_rename_area(code: str) -> Any:
    """Rename an area (Area.Renamed); its code, used by records and URLs, stays."""
    app = services()
    who = actor()
    form = Form(request.form)
    version = form.version()
    name = form.text("name", max_length=NAME_MAX)
    status = 422
    if form.ok and name and version is not None:
        try:
            app.reference.rename_area(code, name, version, who)
        except (DomainError, ApplicationError) as error:
            status = _refuse(form, error)
        else:
            flash(_("Area %(code)s saved.", code=code), "success")
            return redirect_to("ui.admin_areas")
    areas = app.reference.list_areas(who)
    return render(
        "admin/areas.html",
        status,
        form=Form(),
        areas=areas,
        edit=form,
        editing=code,
        blank_form=Form(),
    )


@screens.route("/admin/centers", methods=["GET", "POST"])
@signed_in("center.read")
def admin_centers() -> Any:
    app = services()
    who = actor()
    areas = {a.code: a.name for a in app.reference.list_areas(who)}
    form = Form(request.form if request.method == "POST" else {})
    status = 200
    if request.method == "POST":
        who.require("center.create")
        code = form.text("code", max_length=32)
        name = form.text("name", max_length=NAME_MAX)
        area_codes = form.codes("area_codes", areas, required=True)
        if form.ok and code and name:
            try:
                app.reference.create_center(code, name, area_codes, who)
            except (DomainError, ApplicationError) as error:
                status = _refuse(form, error)
            else:
                flash(_("Support center %(code)s created.", code=code), "success")
                return redirect_to("ui.admin_centers")
        else:
            status = 422
    return render(
        "admin/centers.html",
        status,
        form=form,
        centers=app.reference.list_centers(who),
        areas=areas,
        edit=Form(),
        editing=None,
        blank_form=Form(),
    )


@screens.post("/admin/centers/<code>/change")
@signed_in("center.change")
def admin_change_center(code: str) -> Any:
    """Rename a support center and change its areas (SupportCenter.Renamed,
    SupportCenter.AreasChanged, each only for what changed)."""
    app = services()
    who = actor()
    areas = {a.code: a.name for a in app.reference.list_areas(who)}
    form = Form(request.form)
    version = form.version()
    name = form.text("name", max_length=NAME_MAX)
    area_codes = form.codes("area_codes", areas, required=True)
    status = 422
    if form.ok and name and version is not None:
        try:
            app.reference.change_center(code, name, area_codes, version, who)
        except (DomainError, ApplicationError) as error:
            status = _refuse(form, error)
        else:
            flash(_("Support center %(code)s saved.", code=code), "success")
            return redirect_to("ui.admin_centers")
    return render(
        "admin/centers.html",
        status,
        form=Form(),
        centers=app.reference.list_centers(who),
        areas=areas,
        edit=form,
        editing=code,
        blank_form=Form(),
    )
