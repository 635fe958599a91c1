"""Money in 元 (issue 19): amounts are typed and shown in yuan with two decimals, stored in fen."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from core.money import Fen, is_yuan_field, parse_yuan, yuan, yuan_plain
from core.plugins import registry
from tests.helpers import login, post_form
from tests.test_admin import _new_street


class _Settings(BaseModel):
    budget_fen: Fen = Field(2_000_000, title="年度经费（元）")


def test_parse_and_show():
    assert parse_yuan("12.50") == 1250 and parse_yuan("¥1,234.5元") == 123450 and parse_yuan("0", allow_zero=True) == 0
    for bad, message in (("12.345", "两位小数"), ("abc", "格式不正确"), ("", "请填写"), ("-1", "大于 0")):
        with pytest.raises(ValueError, match=message):
            parse_yuan(bad)
    assert yuan(123450) == "1,234.50" and yuan_plain(123450) == "1234.50" and yuan(-5) == "-0.05"


def test_a_fen_setting_reads_yuan_from_people_and_fen_from_files():
    assert _Settings.model_validate({"budget_fen": "20000.50"}).budget_fen == 2_000_050  # typed: yuan
    assert _Settings.model_validate({"budget_fen": 2_000_000}).budget_fen == 2_000_000  # toml / API: fen
    assert _Settings().model_dump(mode="json") == {"budget_fen": 2_000_000}
    assert is_yuan_field(_Settings.model_fields["budget_fen"])
    with pytest.raises(ValidationError):
        _Settings.model_validate({"budget_fen": -1})
    with pytest.raises(ValidationError):
        _Settings.model_validate({"budget_fen": "1.001"})


def test_admin_page_shows_and_takes_yuan(client):
    login(client, "yuelu_admin")
    tid, _slug = _new_street(client, "经费测试街道")
    post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/dongfanghong/toggle", {"enabled": "1"})
    page = client.get(f"/t/yuelu/admin/tenants/{tid}/plugins").text
    assert "每个联组年度工作经费（元）" in page and 'name="group_budget_fen" value="20000.00"' in page
    assert "（分）" not in page
    settings = registry().settings(tid, "dongfanghong").model_dump()
    form = {k: ("1" if v is True else str(v)) for k, v in settings.items() if v is not False}
    form.update({k: f"{v / 100:.2f}" for k, v in settings.items() if k.endswith("_fen")})
    r = post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/dongfanghong/settings",
                  {**form, "group_budget_fen": "12.345"})
    assert r.status_code == 422 and "每个联组年度工作经费（元）：金额最多保留两位小数" in r.text
    r = post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/dongfanghong/settings",
                  {**form, "group_budget_fen": "25,000.5"})
    assert r.status_code == 200 and "设置已保存" in r.text
    assert registry().settings(tid, "dongfanghong").group_budget_fen == 2_500_050
    assert 'name="group_budget_fen" value="25000.50"' in client.get(f"/t/yuelu/admin/tenants/{tid}/plugins").text
