"""Permissions: roles × representative routes, pages and API, reads and writes (CORE-2).

One user per role, each holding only that role in a fresh street (every plugin enabled, demo
data loaded); a viewer of the district above reaches the street through inheritance; a staff
member of another street reaches nothing. The expected answers are written out by hand below —
the specification — and compared with what the app answers:

* a read a role may do → 200; one it may not → 403; outside its tenants → 404;
* a write a role may do → anything but 403/404 (with an empty form: 422, nothing saved); one it
  may not → 403, also where the route's guard only asks for a read permission and the service
  decides (an org secretary may add members of their own organizations, not organizations).

A generic part then checks every GET route without parameters against the permission its
handler declares: a role missing it gets 403, never a page; a role holding it never gets 404
or a server error.
"""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from core.permissions import PLATFORM_ADMIN, build_catalog
from core.plugins import registry
from core.tenancy import tree
from tests.helpers import login
from tests.routes import make_tenant, make_user, send, tenant_routes

PASSWORD = "matrix-pass-2024"
ROLES = ["tenant_admin", "staff", "instructor", "org_secretary", "viewer", "lists_provider", "nanhu_alliance",
         "nanhu_department", "nanhu_leader", "jinhua_liaison"]
ALL = set(ROLES) | {"district_viewer"}
NANHU_UNITS = {"nanhu_alliance", "nanhu_department"}  # nanhu's 联盟 and 成员单位: its pages and the lists only
NANHU = NANHU_UNITS | {"nanhu_leader"}  # and its 党工委班子成员: the program's pages only
#: 金华's alliance liaison: the program's pages (their alliances only), activities, lists and checklists
JINHUA = {"jinhua_liaison"}
READERS = ALL - {"lists_provider"} - NANHU - JINHUA  # every role that reads the registry and the programs
JINHUA_READERS = {"tenant_admin", "staff", "instructor", "viewer", "district_viewer"} | JINHUA
LISTS = ALL - {"nanhu_leader"}  # every role that reads the lists
ADMINS = {"tenant_admin"}
WORKERS = {"tenant_admin", "staff"}
#: the import pages: anyone holding an import kind's permission (an org secretary: dues and
#: attendance of their own; an instructor: checklist templates; a liaison: attendance of their own)
IMPORTERS = WORKERS | {"org_secretary", "instructor", "jinhua_liaison"}
UNITS_READERS = READERS - {"org_secretary"}  # units and pairings are the street's ledger

#: page GET → roles answered 200 (the others 403)
PAGE_READS = {
    "": ALL,
    "admin/tenants": ADMINS,
    "admin/users": ADMINS,
    "audit": WORKERS,
    "organizations": READERS,
    "party-orgs": READERS,
    "members": READERS,
    "instructors": READERS,
    "clusters": READERS,
    "coverage": {"tenant_admin", "staff", "instructor", "viewer", "district_viewer"},
    "imports": IMPORTERS,
    "example": READERS,
    "lists/dashboard": LISTS,
    "activities": READERS | JINHUA,
    "assessment": READERS,
    "campaigns": READERS,
    "funds": {"tenant_admin", "staff", "viewer", "district_viewer"},
    "dongfanghong": READERS,
    "membership/transfers": READERS,
    "membership/mobile": READERS,
    "membership/due": READERS,
    "membership/dues": READERS,
    "membership/dues/ledger": READERS,
    "membership/dues/arrears": READERS,
    "membership/points": READERS,
    "checklists": READERS | JINHUA,
    "checklists/templates": READERS | JINHUA,
    "checklists/progress": READERS | JINHUA,
    "units": UNITS_READERS,
    "units/pairings": UNITS_READERS,
    "units/gaps": UNITS_READERS,
    "sites": READERS,
    "sites/counts": READERS,
    "inbox": ALL,  # everyone's own messages
    "bulletins": READERS,
    "bulletins/new": WORKERS,
    "notify/channels": ADMINS,
    "nanhu": READERS | NANHU,
    "nanhu/talents": READERS | NANHU,
    "nanhu/theme-days": READERS | NANHU,
    "nanhu/integrity": READERS | NANHU,
    "nanhu/results": {"tenant_admin", "staff", "viewer", "district_viewer", "nanhu_department", "nanhu_leader"},
    "jinhua": JINHUA_READERS,
    "jinhua/alliances": JINHUA_READERS,
}

#: API GET → roles answered 200
API_READS = {
    "": ALL,
    "tenants": ADMINS,
    "audit": WORKERS,
    "organizations": READERS,
    "members": READERS,
    "coverage": {"tenant_admin", "staff", "instructor", "viewer", "district_viewer"},
    "example/notices": READERS,
    "lists/demands": LISTS,
    "activities/activities": READERS | JINHUA,
    "funds/lines": {"tenant_admin", "staff", "viewer", "district_viewer"},
    "membership/transfers": READERS,
    "membership/mobile": READERS,
    "membership/dues/records": READERS,
    "membership/dues/ledger": READERS,
    "membership/points": READERS,
    "checklists/checklists": READERS | JINHUA,
    "checklists/templates": READERS | JINHUA,
    "checklists/progress": READERS | JINHUA,
    "units/units": UNITS_READERS,
    "units/pairings": UNITS_READERS,
    "units/gaps": UNITS_READERS,
    "sites/sites": READERS,
    "sites/kinds": READERS,
    "sites/counts": READERS,
    "notifications": ALL,
    "notifications/unread-count": ALL,
    "bulletins": READERS,
    "notify/channels": ADMINS,
    "notify/deliveries": ADMINS,
    "nanhu/targets": READERS | NANHU,
    "nanhu/talents": READERS | NANHU,
    "nanhu/results": {"tenant_admin", "staff", "viewer", "district_viewer", "nanhu_department", "nanhu_leader"},
    "jinhua/alliances": JINHUA_READERS,
}

#: page POST (empty form) → roles let through (the others 403)
PAGE_WRITES = {
    "admin/tenants/new": ADMINS,
    "admin/users/new": ADMINS,
    "admin/users/grant": ADMINS,
    "organizations/new": WORKERS,
    "members/new": WORKERS | {"org_secretary"},  # a secretary adds members of their own org
    "party-orgs/new": WORKERS,
    "instructors/new": WORKERS,
    "instructors/visits/new": WORKERS | {"instructor"},
    "clusters/new": WORKERS,
    "imports": IMPORTERS,
    "example": WORKERS,
    "activities/new": WORKERS | {"org_secretary"} | JINHUA,  # a liaison: their alliances' meetings
    "assessment/templates/new": WORKERS,
    "assessment/rounds/new": WORKERS,
    "campaigns": WORKERS,
    "funds": WORKERS,
    "lists/demands/new": WORKERS | {"org_secretary"},  # 需求: raised by the organizations
    "lists/resources/new": WORKERS | {"lists_provider", "nanhu_department"},  # 资源: offered by the providers
    "lists/stations": WORKERS,
    "dongfanghong/butlers": WORKERS,
    "dongfanghong/nominations": WORKERS,
    "membership/transfers/new": WORKERS,  # transfers are the street's work, not the secretary's
    "membership/dues/generate": WORKERS | {"org_secretary"},  # a secretary: their own members
    "membership/dues/rates": WORKERS,  # the rate table is the tenant's
    "membership/points/grade": WORKERS,  # the yearly grade round is the tenant's
    "checklists": WORKERS | {"instructor"},  # instructors check organizations against checklists
    "checklists/templates": WORKERS | {"instructor"},
    "units/new": WORKERS,
    "units/pairings/new": WORKERS,
    "sites": WORKERS,
    "inbox/read-all": ALL,
    "bulletins": WORKERS,  # publishing (a street has no tenant below: 422)
    "notify/channels": ADMINS,
    "nanhu/talents": WORKERS,
    "nanhu/theme-days": WORKERS,
    "nanhu/cobuild-annual": WORKERS,
    "jinhua/alliances": WORKERS,  # founding is the tenant's; a liaison works in the alliances they lead
}

#: API POST (a body that passes validation) → roles let through
API_WRITES = {
    "organizations": WORKERS,
    "members": WORKERS | {"org_secretary"},
    "clusters": WORKERS,
    "example/notices": WORKERS,
    "activities/activities": WORKERS | {"org_secretary"} | JINHUA,  # a liaison: 422 outside their alliances
    "lists/demands": WORKERS | {"org_secretary"},
    "funds/lines": WORKERS,
    "membership/transfers": WORKERS,
    "checklists/checklists": WORKERS | {"instructor"},
    "units/units": WORKERS,
    "units/pairings": WORKERS,
    "sites/sites": WORKERS,
    "notifications/read-all": ALL,
    "bulletins": WORKERS,
    "nanhu/talents": WORKERS,
}


@pytest.fixture(scope="module")
def world(app, database):
    street = make_tenant("pm-", "权限矩阵街道", "yuelu", demo=True)
    users = {role: make_user(f"pm_{role}_", PASSWORD, [(role, street.id)]) for role in ROLES}
    users["district_viewer"] = make_user("pm_dv_", PASSWORD, [("viewer", tree().by_slug["yuelu"].id)])
    users["outsider"] = make_user("pm_out_", PASSWORD, [("staff", tree().by_slug["wangyuehu"].id)])
    routes = {(r.method, r.api, r.rest): r for r in tenant_routes(app)}
    with TestClient(app, raise_server_exceptions=False) as main:
        clients = {}
        for i, (key, (username, _headers)) in enumerate(users.items()):
            clients[key] = main if i == 0 else TestClient(app, raise_server_exceptions=False)
            login(clients[key], username, PASSWORD)
        yield {"street": street, "users": users, "clients": clients, "routes": routes}


def _ask(world, who: str, method: str, api: bool, rest: str):
    route = world["routes"].get((method, api, rest))
    assert route is not None, f"no route {method} {'/api' if api else ''}/t/…/{rest}"
    return send(world["clients"][who], route, route.url(world["street"].slug), headers=world["users"][who][1])


def _matrix(world, method: str, api: bool, spec: dict[str, set[str]], allowed_ok) -> list[str]:
    wrong = []
    for rest, allowed in spec.items():
        for who in sorted(ALL | {"outsider"}):
            status = _ask(world, who, method, api, rest).status_code
            if who == "outsider":
                ok = status == 404
            elif who in allowed:
                ok = allowed_ok(status)
            else:
                ok = status == 403
            if not ok:
                wrong.append(f"{method} {'api ' if api else ''}{rest or '/'} as {who} → {status}")
    return wrong


def test_the_roles_are_the_ones_specified():
    roles = set(build_catalog(registry().pm).roles) - {PLATFORM_ADMIN}
    assert roles == set(ROLES), "a role was added or removed: extend the matrix"


def test_page_reads(world):
    assert not (wrong := _matrix(world, "GET", False, PAGE_READS, lambda s: s == 200)), "\n".join(wrong)


def test_api_reads(world):
    assert not (wrong := _matrix(world, "GET", True, API_READS, lambda s: s == 200)), "\n".join(wrong)


def test_page_writes(world):
    wrong = _matrix(world, "POST", False, PAGE_WRITES, lambda s: s not in (401, 403, 404) and s < 500)
    assert not wrong, "\n".join(wrong)


def test_api_writes(world):
    wrong = _matrix(world, "POST", True, API_WRITES, lambda s: s not in (401, 403, 404) and s < 500)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ["instructor", "org_secretary", "viewer", "lists_provider"])
def test_every_get_route_enforces_its_declared_permission(world, role):
    perms = set(build_catalog(registry().pm).roles[role].permissions)
    wrong = []
    for (method, _api, _rest), route in world["routes"].items():
        if method != "GET" or route.params:
            continue
        status = send(world["clients"][role], route, route.url(world["street"].slug),
                      headers=world["users"][role][1]).status_code
        needed = route.permission
        if needed and needed not in perms and status != 403:
            wrong.append(f"{route} needs {needed}, {role} lacks it → {status}")
        elif (not needed or needed in perms) and (status in (401, 404) or status >= 500):
            wrong.append(f"{route} ({needed or 'no permission'}) as {role} → {status}")
    assert not wrong, "\n".join(wrong)
