"""Whose numbers (issue 19): every dashboard card counts the scope its viewer acts on and says which."""

from __future__ import annotations

from sqlalchemy import select

from core import clock
from core.db import open_session
from core.models import User
from core.permissions import authorizer
from core.registry.models import Cluster, ClusterLeader, UserOrganization
from core.registry.scope import acting_scope
from plugins.lists.api import counters
from tests.helpers import tenant_id, text_of


def _user(username: str) -> int:
    with open_session() as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_scopes_of_staff_a_secretary_and_a_group_leader(database):
    tid = tenant_id("dongfanghong")
    staff, secretary = _user("dfh_staff"), _user("dfh_secretary")
    with open_session(tid) as s:
        whole = acting_scope(s, staff, authorizer.effective_permissions(staff, tid), "东方红街道")
        assert whole.whole and whole.label == "东方红街道"
        scope = acting_scope(s, secretary, authorizer.effective_permissions(secretary, tid), "东方红街道")
        own = set(s.scalars(select(UserOrganization.organization_id).where(UserOrganization.user_id == secretary)))
        led = set(s.scalars(select(ClusterLeader.cluster_id).where(ClusterLeader.user_id == secretary,
                                                                   ClusterLeader.ended_on.is_(None))))
        assert scope.own_organization_ids == own and own <= scope.organization_ids
        assert scope.cluster_ids == led and scope.own_label.startswith("本组织：")
        if led:
            assert scope.label == "、".join(sorted(s.scalars(select(Cluster.name).where(Cluster.id.in_(led)))))


def test_a_secretarys_list_card_counts_their_own_organization(as_user):
    tid = tenant_id("dongfanghong")
    secretary = _user("dfh_secretary")
    with open_session(tid) as s:
        own = set(s.scalars(select(UserOrganization.organization_id).where(UserOrganization.user_id == secretary)))
        from core.tenancy import tree

        mine = counters(s, tree().by_id[tid], clock.today(), organization_ids=own)
        street = counters(s, tree().by_id[tid], clock.today())
    html = as_user("dfh_secretary").get("/t/dongfanghong/").text
    assert f'data-figure="open">{mine.open}<' in html and f'data-figure="solved">{mine.solved}<' in html
    assert "范围：本组织：" in text_of(html)
    assert "超期任务" not in text_of(html)  # the street's campaign tasks are not theirs to act on
    staff = as_user("dfh_staff").get("/t/dongfanghong/").text
    assert f'data-figure="open">{street.open}<' in staff and "范围：东方红街道" in text_of(staff)


def test_a_group_leaders_overview_counts_their_group(as_user):
    """The 联组 overview's coverage table: a 组长 sees their group's organizations, staff the street's."""
    import re

    from core.registry.models import Organization

    tid = tenant_id("dongfanghong")
    secretary = _user("dfh_secretary")
    with open_session(tid) as s:
        scope = acting_scope(s, secretary, authorizer.effective_permissions(secretary, tid), "东方红街道")
        total = len(s.scalars(select(Organization.id).where(Organization.id.in_(scope.organization_ids),
                                                            Organization.status == "operating")).all())
        street = len(s.scalars(select(Organization.id).where(Organization.status == "operating")).all())

    def first_figure(html: str) -> int:
        row = re.search(r'<table class="dfh-coverage">.*?<tbody><tr><td class="num">(\d+)</td>', html, re.S)
        return int(row.group(1))

    page = as_user("dfh_secretary").get("/t/dongfanghong/dongfanghong").text
    assert f"{scope.label}覆盖情况" in page and first_figure(page) == total < street
    page = as_user("dfh_staff").get("/t/dongfanghong/dongfanghong").text
    assert "街道覆盖情况" in page and first_figure(page) == street


def test_a_scoped_viewer_sees_only_cards_that_say_whose_figures(as_user):
    """Cards that count the whole street without saying so (scope left empty) are not shown to
    an org secretary; every card shows its scope."""
    import re

    html = as_user("dfh_secretary").get("/t/dongfanghong/").text
    cards = re.findall(r'<section class="card widget"><h2>(.*?)</h2>\s*<p class="muted widget-scope">范围：(.*?)</p>',
                       html, re.S)
    assert cards and all(scope for _title, scope in cards)
    staff = as_user("dfh_staff").get("/t/dongfanghong/").text
    assert staff.count('class="card widget"') > len(cards)
