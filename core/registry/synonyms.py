"""What spreadsheets call the ledger's columns and choices — the one table, extended by plugins.

Street offices keep ledgers they made themselves: ``企业名称`` where the template says
``组织名称``, ``民营企业`` where the code list says ``非公企业``. Two tables, keyed by the
*Chinese label* of a field or a choice, so one entry serves every import kind that has a
field with that label:

* :data:`HEADERS` — label → other names of the column (compared without spaces, ``*`` and
  brackets, case-insensitive);
* :data:`CHOICES` — choice label → other words for it (民营企业 → 非公企业).

An import kind adds its own entries with :func:`extend` (``ImportKind.synonyms`` /
``ImportKind.choice_synonyms`` do it when the kind is registered). Lookups are pure dict hits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from core import validators

HEADERS: dict[str, set[str]] = {
    # organizations
    "组织名称": {"企业名称", "机构名称", "单位名称", "单位全称", "企业全称", "组织全称", "名称", "两新组织名称",
             "社会组织名称", "非公企业名称", "单位", "企业(单位)名称", "企业单位名称", "市场主体名称"},
    "统一社会信用代码": {"社会信用代码", "信用代码", "统一代码", "统一社会信用代码证号", "社会统一信用代码",
                  "统一信用代码", "机构代码", "组织机构代码", "信用代码号"},
    "类别": {"类型", "性质", "组织类别", "单位性质", "企业性质", "组织类型", "两新类别", "分类"},
    "类型": {"子类", "企业类型", "登记类型", "细分类型", "组织形式", "社会组织类型"},
    "行业": {"所属行业", "行业类别", "行业分类", "国民经济行业"},
    "地址": {"详细地址", "单位地址", "企业地址", "注册地址", "经营地址", "住所", "办公地址"},
    "所属社区/村": {"社区", "所属社区", "所在社区", "社区(村)", "村(社区)", "社区村"},
    "所在楼宇/商圈": {"楼宇", "所在楼宇", "商圈", "楼宇商圈", "所在商圈"},
    "从业人员数": {"从业人员", "员工数", "职工人数", "员工人数", "从业人数", "人数", "职工数"},
    "出资人": {"投资人", "主要出资人", "股东"},
    "法定代表人": {"法人", "法人代表", "负责人", "法定代表"},
    "联系人": {"联络人", "联系人姓名"},
    "联系电话": {"电话", "手机", "联系方式", "手机号码", "联系手机", "电话号码"},
    "经营状态": {"状态", "登记状态", "存续状态", "营业状态"},
    "建有工会": {"工会", "是否建立工会", "是否建有工会", "已建工会"},
    "建有团组织": {"团组织", "是否建立团组织", "是否建有团组织"},
    "建有妇联": {"妇联", "是否建立妇联", "是否建有妇联"},
    "互联网平台企业": {"是否互联网平台企业", "平台企业"},
    "吸纳新就业群体": {"新就业群体", "是否吸纳新就业群体"},
    "党的工作已覆盖并发挥作用": {"党的工作覆盖", "党的工作已覆盖", "发挥作用"},
    "备注": {"说明", "附注", "其他"},
    # party orgs
    "党组织名称": {"党组织", "党组织全称", "支部名称", "党支部名称"},
    "党组织类型": {"组织类型", "党组织类别", "支部类型"},
    "上级党组织": {"上级党组织名称", "上级组织", "隶属党组织", "上级党委"},
    "组建方式": {"组建形式", "建立方式", "组建类型"},
    "书记": {"党组织书记", "支部书记", "书记姓名"},
    "成立日期": {"成立时间", "建立时间", "组建时间", "组建日期"},
    "换届日期": {"换届时间", "届满日期", "届满时间", "任期届满"},
    "覆盖组织": {"覆盖单位", "覆盖企业", "所覆盖组织", "覆盖的组织"},
    # members
    "姓名": {"党员姓名", "名字", "人员姓名"},
    "身份证号": {"身份证号码", "公民身份号码", "身份证", "证件号码"},
    "性别": {"男女"},
    "出生日期": {"出生年月", "出生时间", "生日"},
    "学历": {"文化程度", "最高学历"},
    "手机号": {"手机", "手机号码", "联系电话", "电话"},
    "政治面貌": {"人员类别", "党员类别", "身份"},
    "申请入党日期": {"申请入党时间", "入党申请时间", "申请时间", "递交入党申请书时间", "递交申请书日期"},
    "确定积极分子日期": {"积极分子时间", "积极分子日期", "确定积极分子时间", "列为积极分子时间", "确定为积极分子时间"},
    "确定发展对象日期": {"发展对象时间", "发展对象日期", "确定发展对象时间", "列为发展对象时间"},
    "入党日期（预备）": {"入党日期", "入党时间", "预备党员日期", "接收预备党员时间", "吸收预备党员日期"},
    "转正日期": {"转正时间"},
    "所在党组织": {"党组织", "所在支部", "所属党组织", "党组织名称"},
    "工作单位": {"单位", "所在单位", "工作单位名称"},
}

CHOICES: dict[str, set[str]] = {
    "非公企业": {"民营企业", "私营企业", "非公有制企业", "企业", "非公", "个体", "民企", "私企", "外资企业"},
    "社会组织": {"社团", "社会团体", "民办非企业", "民办非企业单位", "民非", "基金会", "社会服务机构"},
    "有限责任公司": {"有限公司", "有限责任"},
    "股份有限公司": {"股份公司"},
    "个体工商户": {"个体户", "个体"},
    "外商投资企业": {"外资企业", "外企"},
    "社会团体": {"社团"},
    "民办非企业单位": {"民办非企业", "民非", "社会服务机构"},
    "在营": {"存续", "在业", "正常", "营业", "开业", "经营"},
    "已注销": {"注销", "吊销", "已吊销"},
    "已迁出": {"迁出"},
    "男": {"男性"},
    "女": {"女性"},
    "本科": {"大学本科", "大学"},
    "大专": {"专科", "大学专科"},
    "硕士": {"研究生", "硕士研究生"},
    "博士": {"博士研究生"},
    "高中/中专": {"高中", "中专", "职高", "技校"},
    "初中及以下": {"初中", "小学"},
    "正式党员": {"党员", "中共党员", "正式"},
    "预备党员": {"中共预备党员", "预备"},
    "入党积极分子": {"积极分子"},
    "入党申请人": {"申请人"},
    "党支部": {"支部"},
    "党总支": {"总支"},
    "联合党支部": {"联合支部"},
    "单独组建": {"单独", "单建"},
    "联合组建": {"联合", "联建"},
}

_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】<>《》\"'“”‘’]")


def header_key(text: object) -> str:
    """A header cell as compared: half-width, without spaces, ``*``, colons and brackets, lower case."""
    return _NOISE.sub("", validators.to_halfwidth("" if text is None else str(text))).lower()


def extend(headers: Mapping[str, Iterable[str]] | None = None,
           choices: Mapping[str, Iterable[str]] | None = None) -> None:
    """Add names of columns (label → synonyms) and of choices (choice label → variants)."""
    for table, extra in ((HEADERS, headers), (CHOICES, choices)):
        for label, words in (extra or {}).items():
            table.setdefault(label, set()).update(words)


def header_names(label: str) -> set[str]:
    """Every compared form a column of the field ``label`` may have (the label itself first)."""
    return {header_key(label)} | {header_key(w) for w in HEADERS.get(label, ())}


def choice_label(labels: Iterable[str], value: str) -> str | None:
    """The choice among ``labels`` that ``value`` names (a variant, or the label in another
    width/spacing/case); ``None`` when it names none or more than one."""
    wanted = header_key(value)
    if not wanted:
        return None
    found = {label for label in labels
             if header_key(label) == wanted or wanted in {header_key(w) for w in CHOICES.get(label, ())}}
    return found.pop() if len(found) == 1 else None
