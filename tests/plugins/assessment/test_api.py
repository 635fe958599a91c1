"""The JSON API under /api/t/<slug>/assessment: a round from creation to published results,
errors (422 with Chinese field messages), permissions (403) and other tenants (404)."""

from __future__ import annotations

from sqlalchemy import func, select

from plugins.assessment.models import AssessmentRound, AssessmentScore
from tests.helpers import unique
from tests.plugins.assessment.conftest import tenant_session

PO = "testprog.po_quarterly"


def api(street) -> str:
    return f"/api/t/{street.info.slug}/assessment"


def test_round_through_the_api(world, client, api_token, program):
    a = world.a
    staff = api_token(world.users["staff"])
    templates = client.get(api(a) + "/templates", headers=staff)
    assert templates.status_code == 200
    po = next(t for t in templates.json() if t["key"] == PO)
    assert (po["source"], po["target_kind"], po["full_marks"], po["self_assessment"]) == (
        "program", "party_org", "100", True)
    assert [(c["key"], c["max_points"], c["evidence"]) for c in po["criteria"]] == [
        ("venue", "40", "阵地照片"), ("ledger", "30", ""), ("service", "30", "")]
    assert [b["label"] for b in po["grade_bands"]] == ["优秀", "良好", "一般", "较差"]
    assert client.get(api(a) + f"/templates/{PO}", headers=staff).json()["label"] == "测试党组织季度考核"

    r = client.post(api(a) + "/rounds", json={"template": PO, "period": "2014-Q5"}, headers=staff)
    assert r.status_code == 422
    assert r.json()["extra"]["errors"] == {"period": "请选择有效的季度考核期间", "targets": "请至少选择一个考核对象"}
    title = unique("接口考核")
    r = client.post(api(a) + "/rounds", json={"template": PO, "period": "2014-Q4", "target_mode": "chosen",
                                              "targets": a.party_orgs[:2], "title": title}, headers=staff)
    assert r.status_code == 201, r.text
    rnd = r.json()
    assert (rnd["state"], rnd["period_label"], rnd["title"], rnd["actions"]) == ("draft", "2014年第四季度", title, ["open"])
    assert sorted(s["target_id"] for s in rnd["sheets"]) == sorted(a.party_orgs[:2])
    rid = rnd["id"]

    r = client.post(api(a) + f"/rounds/{rid}/transition", json={"action": "publish"}, headers=staff)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"state": "当前状态为「草稿」，不能发布结果"}
    for action in ("open", "start_scoring"):
        assert client.post(api(a) + f"/rounds/{rid}/transition", json={"action": action}, headers=staff).status_code == 201
    sheets = {s["target_id"]: s["id"] for s in client.get(api(a) + f"/rounds/{rid}", headers=staff).json()["sheets"]}

    url = api(a) + f"/sheets/{sheets[a.party_orgs[0]]}/scores"
    r = client.post(url, json={"scores": {"venue": {"value": "50", "evidence": ""}}}, headers=staff)
    assert r.status_code == 422
    [(key, message)] = r.json()["extra"]["errors"].items()
    assert key.startswith("score_") and message == "不能超过 40 分"
    r = client.post(url, json={"scores": {"nope": {"value": "1"}}}, headers=staff)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"scores.nope": "考核指标不存在"}
    r = client.post(url, json={"scores": {"venue": {"value": "36.5", "evidence": "照片"}, "ledger": {"value": "30"},
                                          "service": {"value": "30"}}, "comment": "好"}, headers=staff)
    assert r.status_code == 201, r.text
    sheet = r.json()
    assert (sheet["total"], sheet["grade"], sheet["rank"], sheet["comment"]) == ("96.5", "优秀", None, "好")
    assert [(e["criterion_key"], e["value"], e["evidence"]) for e in sheet["entries"]] == [
        ("venue", "36.5", "照片"), ("ledger", "30", ""), ("service", "30", "")]
    r = client.post(api(a) + f"/sheets/{sheets[a.party_orgs[1]]}/scores",
                    json={"scores": {"venue": {"value": "40", "evidence": "照片"}, "ledger": {"value": "26.5"},
                                     "service": {"value": "30"}}}, headers=staff)
    assert r.status_code == 201
    for action in ("submit_review", "publish"):
        r = client.post(api(a) + f"/rounds/{rid}/transition", json={"action": action}, headers=staff)
        assert r.status_code == 201, r.text
    published = r.json()
    assert published["state"] == "published" and published["published_at"]
    assert [(s["target_id"], s["total"], s["rank"]) for s in published["sheets"]] == [
        (a.party_orgs[0], "96.5", 1), (a.party_orgs[1], "96.5", 1)]  # tied: same rank, then by name
    assert len(program.PUBLISHED) == 1

    results = client.get(api(a) + "/results", params={"template_key": PO, "period": "2014-Q4"}, headers=staff)
    assert results.status_code == 200
    assert sorted((x["target_id"], x["total"], x["grade"], x["rank"], x["ranked"]) for x in results.json()) == sorted(
        [(a.party_orgs[0], "96.5", "优秀", 1, 2), (a.party_orgs[1], "96.5", "优秀", 1, 2)])
    assert client.get(api(a) + "/results", params={"year": 2013}, headers=staff).json() == []

    # after publication: scores refused, the secretary appeals, staff resolve
    r = client.post(url, json={"scores": {"ledger": {"value": "1"}}}, headers=staff)
    assert r.status_code == 422 and "当前状态为「已发布」" in r.json()["extra"]["errors"]["state"]
    sec = api_token(world.users["secretary"])
    mine = client.get(api(a) + "/results", params={"period": "2014-Q4"}, headers=sec).json()
    assert [x["target_id"] for x in mine] == [a.party_orgs[0]]  # own rows only
    r = client.post(api(a) + f"/sheets/{sheets[a.party_orgs[0]]}/appeals", json={"body": "请复核台账得分"}, headers=sec)
    assert r.status_code == 201 and r.json()["appeals"][0]["status"] == "pending"
    appeal_id = r.json()["appeals"][0]["id"]
    assert client.post(api(a) + f"/sheets/{sheets[a.party_orgs[1]]}/appeals", json={"body": "x"},
                       headers=sec).status_code == 404
    assert client.post(api(a) + f"/appeals/{appeal_id}/resolve", json={"outcome": "upheld", "resolution": "x"},
                       headers=sec).status_code == 403
    r = client.post(api(a) + f"/appeals/{appeal_id}/resolve", json={"outcome": "maybe", "resolution": ""}, headers=staff)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"outcome": "请选择处理结果", "resolution": "请填写处理意见"}
    r = client.post(api(a) + f"/appeals/{appeal_id}/resolve", json={"outcome": "upheld", "resolution": "维持"},
                    headers=staff)
    assert r.status_code == 201 and r.json()["status"] == "resolved"


def test_api_permissions_and_other_tenants(world, client, api_token):
    a, b = world.a, world.b
    staff = api_token(world.users["staff"])
    r = client.post(api(a) + "/rounds", json={"template": PO, "period": "2013-Q1", "target_mode": "chosen",
                                              "targets": a.party_orgs[:1]}, headers=staff)
    rid = r.json()["id"]
    sid = r.json()["sheets"][0]["id"]
    assert client.get(api(a) + "/rounds").status_code == 401  # no token
    viewer = api_token(world.users["viewer"])
    assert client.get(api(a) + f"/rounds/{rid}", headers=viewer).status_code == 200
    assert client.post(api(a) + f"/rounds/{rid}/transition", json={"action": "open"}, headers=viewer).status_code == 403
    assert client.post(api(a) + "/rounds", json={"template": PO}, headers=viewer).status_code == 403
    assert client.post(api(a) + f"/sheets/{sid}/scores", json={"scores": {}}, headers=viewer).status_code == 403
    sec = api_token(world.users["secretary"])
    assert client.get(api(a) + f"/rounds/{rid}", headers=sec).status_code == 404  # a draft: not shown to targets
    admin = api_token("yuelu_admin")  # reaches both streets, one at a time
    assert client.get(api(a) + f"/rounds/{rid}", headers=admin).status_code == 200
    assert client.get(api(b) + f"/rounds/{rid}", headers=admin).status_code == 404
    assert client.get(api(b) + f"/sheets/{sid}", headers=admin).status_code == 404
    assert client.post(api(b) + f"/rounds/{rid}/transition", json={"action": "open"}, headers=admin).status_code == 404
    assert client.post(api(b) + f"/sheets/{sid}/scores", json={"scores": {}}, headers=admin).status_code == 404
    assert client.get(api(a) + f"/rounds/{rid}", headers=api_token(world.users["staff_b"])).status_code == 404
    with tenant_session(a.info) as s:
        assert s.get(AssessmentRound, rid).state == "draft"
        assert s.scalar(select(func.count()).select_from(AssessmentScore).where(AssessmentScore.sheet_id == sid)) == 0


def test_api_custom_template(world, client, api_token):
    a = world.a
    staff = api_token(world.users["staff"])
    r = client.post(api(a) + "/templates", json={"label": "", "target_kind": "x"}, headers=staff)
    assert r.status_code == 422
    errors = r.json()["extra"]["errors"]
    assert errors["label"] == "请填写模板名称" and errors["target_kind"] == "请选择考核对象类型"
    label = unique("接口模板")
    r = client.post(api(a) + "/templates", json={
        "label": label, "target_kind": "member", "period_kind": "year", "scoring": "weighted", "rating_max": "5",
        "scale_max": "12", "grade_bands": "五星 11\n四星 9\n三星 0", "criteria": "学习 | 1\n作用 | 3"}, headers=staff)
    assert r.status_code == 201, r.text
    t = r.json()
    assert (t["label"], t["source"], t["full_marks"], t["version"]) == (label, "custom", "12", 1)
    assert [(c["label"], c["weight"]) for c in t["criteria"]] == [("学习", "1"), ("作用", "3")]
