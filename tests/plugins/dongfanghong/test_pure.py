"""Pure functions: the regroup proposal and the 必到/必报/必帮 checklist on fixed data."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from plugins.dongfanghong.service import PartyOrgInfo, duty_checklist, months_back, propose_groups


def _orgs(seed: int, n: int, communities: int = 8) -> list[PartyOrgInfo]:
    rng = random.Random(seed)
    return [PartyOrgInfo(i, f"党支部{i}", f"社区{rng.randrange(communities)}", rng.choice([0, 3, 5, 8, 12, 30]))
            for i in range(1, n + 1)]


@pytest.mark.parametrize("seed,n,groups", [(1, 191, 3), (2, 40, 4), (3, 7, 3), (4, 191, 5), (5, 12, 2)])
def test_proposal_is_a_balanced_partition(seed, n, groups):
    orgs = _orgs(seed, n)
    proposal = propose_groups(orgs, groups)
    assert len(proposal) == groups
    ids = [p.id for g in proposal for p in g.party_orgs]
    assert sorted(ids) == sorted(o.id for o in orgs)  # every org exactly once
    weights = [g.weight for g in proposal]
    biggest = max(max(o.members, 1) for o in orgs)
    assert max(weights) - min(weights) <= biggest
    assert propose_groups(list(reversed(orgs)), groups)[0].party_orgs == proposal[0].party_orgs  # deterministic


def test_small_communities_stay_together():
    orgs = [PartyOrgInfo(i, f"p{i}", c, 2) for i, c in enumerate(["甲"] * 3 + ["乙"] * 3 + ["丙"] * 3, start=1)]
    proposal = propose_groups(orgs, 3)
    assert sorted(g.communities for g in proposal) == [["丙"], ["乙"], ["甲"]]
    assert [g.members for g in proposal] == [6, 6, 6]


def test_big_community_is_split_and_empty_input():
    orgs = [PartyOrgInfo(i, f"p{i}", "大社区", 5) for i in range(1, 10)] + [PartyOrgInfo(20, "q", "小社区", 5)]
    proposal = propose_groups(orgs, 2)
    assert sorted(len(g.party_orgs) for g in proposal) == [5, 5]
    assert all(not g.party_orgs for g in propose_groups([], 3))
    with pytest.raises(ValueError):
        propose_groups(orgs, 0)


def test_checklist_marks_gaps_only_in_finished_months():
    today = dt.date(2026, 5, 10)
    months = months_back(today, 4)
    assert months == [dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
    entries = [("attend", dt.date(2026, 2, 3)), ("report", dt.date(2026, 2, 28)), ("help", dt.date(2026, 2, 14)),
               ("attend", dt.date(2026, 3, 9)), ("attend", dt.date(2026, 3, 20)),
               ("report", dt.date(2026, 4, 30)),
               ("attend", dt.date(2026, 5, 2)),
               ("help", dt.date(2025, 12, 1))]  # outside the window: ignored
    cl = duty_checklist(entries, months, today)
    feb, mar, apr, may = (cl[m] for m in months)
    assert [feb[k].gap for k in ("attend", "report", "help")] == [False, False, False]
    assert mar["attend"].count == 2 and mar["report"].gap and mar["help"].gap
    assert apr["attend"].gap and not apr["report"].gap and apr["help"].gap
    # the current month is pending, never a gap
    assert may["attend"].count == 1 and not may["report"].gap and may["report"].pending
    gaps = [(m.month, k) for m, row in cl.items() for k, c in row.items() if c.gap]
    assert gaps == [(3, "report"), (3, "help"), (4, "attend"), (4, "help")]


def test_months_back_crosses_the_year():
    assert months_back(dt.date(2026, 1, 31), 3) == [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)]
