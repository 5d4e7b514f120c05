"""Identity (Keystone v3) through openstacksdk."""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lib  # noqa: E402

import openstack  # noqa: E402
from openstack import exceptions as sdk_exc  # noqa: E402

s = lib.Scenario()
try:
    s.start_stratus()
    suffix = uuid.uuid4().hex[:8]

    conn = s.check("openstack.connect(cloud='stratus') and authorize",
                   lambda: (lambda c: c if c.authorize() else False)(openstack.connect(cloud="stratus")))
    if conn is None:
        s.bail("could not connect")
    identity = conn.identity

    s.check("identity endpoint from the catalog is on 127.0.0.1:5000",
            lambda: "127.0.0.1:5000" in conn.endpoint_for("identity"))
    s.check("current project is admin",
            lambda: identity.get_project(conn.current_project_id).name == "admin")

    projects = s.check("list projects", lambda: list(identity.projects()))
    s.expect("projects include admin and service",
             projects is not None and {"admin", "service"} <= {p.name for p in projects},
             [p.name for p in projects or []])
    users = s.check("list users", lambda: list(identity.users()))
    s.expect("users include admin", users is not None and "admin" in {u.name for u in users},
             [u.name for u in users or []])
    roles = s.check("list roles", lambda: list(identity.roles()))
    s.expect("roles include admin, member, reader",
             roles is not None and {"admin", "member", "reader"} <= {r.name for r in roles},
             [r.name for r in roles or []])
    s.check("find_domain('default') is Default",
            lambda: identity.find_domain("default", ignore_missing=False).name == "Default")
    s.check("cloud layer: get_project('service')", lambda: conn.get_project("service").name == "service")

    pname = f"sdk-project-{suffix}"
    project = s.check("create project", lambda: identity.create_project(
        name=pname, domain_id="default", description="made by the SDK"))
    if project is not None:
        s.check("find the new project by name",
                lambda: identity.find_project(pname, ignore_missing=False).id == project.id)
        s.check("update the project description",
                lambda: identity.update_project(project, description="changed").description == "changed")
        s.check("delete the project", lambda: identity.delete_project(project, ignore_missing=False) or True)
        s.expect_raises("the deleted project is gone (404)", sdk_exc.NotFoundException,
                        lambda: identity.get_project(project.id))

    uname = f"sdk-user-{suffix}"
    user = s.check("create user", lambda: identity.create_user(
        name=uname, domain_id="default", password="Sdk-pw-1", email="sdk@example.invalid"))
    if user is not None:
        s.check("find the new user by name",
                lambda: identity.find_user(uname, ignore_missing=False).id == user.id)
        s.check("delete the user", lambda: identity.delete_user(user, ignore_missing=False) or True)
        s.expect_raises("the deleted user is gone (404)", sdk_exc.NotFoundException,
                        lambda: identity.get_user(user.id))

    assignments = s.check("list role assignments", lambda: list(identity.role_assignments()))
    admin_user = identity.find_user("admin", ignore_missing=True)
    admin_role = identity.find_role("admin", ignore_missing=True)
    s.expect("role assignments include admin having role admin on project admin",
             assignments is not None and admin_user is not None and admin_role is not None and any(
                 a.user and a.user.get("id") == admin_user.id
                 and a.role and a.role.get("id") == admin_role.id
                 and a.scope and a.scope.get("project", {}).get("id") == conn.current_project_id
                 for a in assignments),
             assignments)
    s.check("list role assignments filtered by user",
            lambda: all(a.user["id"] == admin_user.id
                        for a in identity.role_assignments(user_id=admin_user.id)))
except SystemExit:
    raise
except BaseException as e:  # noqa: BLE001 - report and fall through to finish
    s.record(False, "scenario raised unexpectedly", f"{type(e).__name__}: {e}")
s.finish()
