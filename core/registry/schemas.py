"""Field definitions and cleaning for registry records — one place for forms, API and imports.

``clean(FIELDS, raw)`` turns raw strings (a form, a JSON body, an Excel row) into typed
values plus field-level Chinese errors. Choice fields accept the stored code or the Chinese
label (spreadsheets carry labels). Entity cleaners add the cross-field rules and turn
ID-card and phone numbers into ciphertext plus a keyed hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, crypto, validators
from core.forms import row_id, text_problem
from core.registry import choices, synonyms
from core.registry.models import Organization, PartyOrg

TRUE = {"1", "true", "yes", "on", "是", "有", "y", "√", "✓", "✔", "对", "已建", "已"}
FALSE = {"0", "false", "no", "off", "否", "无", "n", "", "×", "x", "✗", "✕", "✘", "没有", "未建", "未", "不是"}


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str = "str"  # str | text | int | date | bool | choice | credit_code | id_number | mobile | ref
    required: bool = False
    max_length: int = 200
    choices: Mapping[Any, str] = field(default_factory=dict)
    min: int | None = None
    max: int | None = None
    help: str = ""


def _choice(spec: FieldSpec, value: str) -> tuple[Any, str | None]:
    for code, label in spec.choices.items():
        if value == str(code) or value == label:
            return code, None
    wanted = synonyms.choice_label(spec.choices.values(), value)
    if wanted is not None:
        return next(code for code, label in spec.choices.items() if label == wanted), None
    return None, f"{spec.label}：无效的选项「{value}」，可选：{'、'.join(spec.choices.values())}"


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell or a form: ``2019-03-05``, ``2019/3/5``, ``2019.3.5``, ``2019年3月5日``,
    ``20190305``, full-width digits, a trailing ``00:00:00``; ``None`` if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = validators.normalize_text(validators.to_halfwidth(str(value)))
    if " " in text and text.split(" ", 1)[1].replace(":", "").isdigit():
        text = text.split(" ", 1)[0]  # a time of day after the date
    text = validators.compact(text).replace("/", "-").replace(".", "-")
    for sep in ("年", "月"):
        text = text.replace(sep, "-")
    text = text.rstrip("日号").rstrip("-")
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        try:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
    if len(parts) == 1 and len(text) == 8 and text.isdigit():
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return None


def _prefixed(spec: FieldSpec, problem: str) -> str:
    return problem if problem.startswith(spec.label) else f"{spec.label}：{problem}"


def clean_value(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    """(typed value, error) for one field; empty input gives the field's empty value."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.required:
            return None, f"{spec.label}：必填"
        return {"bool": False, "int": 0}.get(
            spec.kind, None if spec.kind in ("date", "choice", "ref", "mobile", "id_number", "credit_code") else ""
        ), None
    if isinstance(raw, bool) and spec.kind == "bool":
        return raw, None
    if isinstance(raw, (list, tuple, set, dict)):  # a JSON array/object where one value belongs
        return None, f"{spec.label}：格式无效，应为单个值"
    kind = spec.kind
    if kind == "text":
        value = str(raw).strip()
    elif kind in ("int", "bool"):
        value = validators.compact(str(raw))
    else:
        value = validators.normalize_text(str(raw))
    if kind in ("str", "text"):
        if problem := text_problem(value):  # the same rule as every request (core.web.inputs)
            return None, f"{spec.label}：{problem}"
        if len(value) > spec.max_length:
            return None, f"{spec.label}：最多 {spec.max_length} 个字符"
        return value, None
    if kind == "int":
        try:
            digits = value.replace(",", "")
            number = int(float(digits)) if isinstance(raw, float) or digits.endswith(".0") else int(digits)
        except ValueError:
            return None, f"{spec.label}：须为整数"
        if spec.min is not None and number < spec.min:
            return None, f"{spec.label}：不能小于 {spec.min}"
        if spec.max is not None and number > spec.max:
            return None, f"{spec.label}：不能大于 {spec.max}"
        return number, None
    if kind == "date":
        parsed = parse_date(raw)
        if parsed is None:
            return None, f"{spec.label}：日期格式应为 2024-03-01"
        if parsed.year < 1900 or parsed > clock.today() + dt.timedelta(days=3650):
            return None, f"{spec.label}：日期超出合理范围"
        return parsed, None
    if kind == "bool":
        low = value.lower()
        if low in TRUE:
            return True, None
        if low in FALSE:
            return False, None
        return None, f"{spec.label}：请填写“是”或“否”"
    if kind == "choice":
        return _choice(spec, value)
    if kind == "credit_code":
        problem = validators.validate_credit_code(value)
        return (None, _prefixed(spec, problem)) if problem else (validators.normalize_credit_code(value), None)
    if kind == "id_number":
        problem = validators.validate_id_number(value)
        return (None, _prefixed(spec, problem)) if problem else (validators.normalize_id_number(value), None)
    if kind == "mobile":
        problem = validators.validate_mobile(value)
        return (None, _prefixed(spec, problem)) if problem else (validators.normalize_mobile(value), None)
    if kind == "ref":
        return value, None
    raise ValueError(f"unknown field kind {kind}")


def clean(fields: list[FieldSpec], raw: Mapping[str, Any], *, partial: bool = False):
    """Typed values and {field: message}. ``partial``: only the keys present (API PATCH)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in fields:
        if partial and spec.key not in raw:
            continue
        value, problem = clean_value(spec, raw.get(spec.key))
        if problem:
            errors[spec.key] = problem
        else:
            values[spec.key] = value
    return values, errors


# --- organizations -----------------------------------------------------------------------------

ALL_SUB_KINDS = {k: v for group in choices.ORG_SUB_KINDS.values() for k, v in group.items()}

ORGANIZATION_FIELDS = [
    FieldSpec("name", "组织名称", required=True, max_length=200),
    FieldSpec("credit_code", "统一社会信用代码", "credit_code", help="18 位，含校验位"),
    FieldSpec("kind", "类别", "choice", required=True, choices=choices.ORG_KINDS),
    FieldSpec("sub_kind", "类型", "choice", choices=ALL_SUB_KINDS),
    FieldSpec("industry", "行业", "choice", choices=choices.INDUSTRIES),
    FieldSpec("address", "地址", max_length=300),
    FieldSpec("community", "所属社区/村", max_length=100),
    FieldSpec("building", "所在楼宇/商圈", max_length=100),
    FieldSpec("employees", "从业人员数", "int", min=0, max=1_000_000),
    FieldSpec("investor", "出资人", max_length=100),
    FieldSpec("legal_rep", "法定代表人", max_length=50),
    FieldSpec("contact_name", "联系人", max_length=50),
    FieldSpec("contact_phone", "联系电话", "mobile"),
    FieldSpec("status", "经营状态", "choice", choices=choices.ORG_STATUSES),
    FieldSpec("has_union", "建有工会", "bool"),
    FieldSpec("has_youth_league", "建有团组织", "bool"),
    FieldSpec("has_womens_federation", "建有妇联", "bool"),
    FieldSpec("is_internet_platform", "互联网平台企业", "bool"),
    FieldSpec("employs_new_groups", "吸纳新就业群体", "bool"),
    FieldSpec("party_work_active", "党的工作已覆盖并发挥作用", "bool"),
    FieldSpec("notes", "备注", "text", max_length=2000),
]


def clean_organization(raw: Mapping[str, Any], *, partial: bool = False, fields: list[FieldSpec] | None = None):
    """``fields``: the tenant's (:func:`core.registry.extensions.tenant_specs`), default the core's."""
    values, errors = clean(fields or ORGANIZATION_FIELDS, raw, partial=partial)
    if values.get("status") is None and not partial:
        values["status"] = "operating"
    kind, sub = values.get("kind"), values.get("sub_kind")
    if kind and sub and sub not in choices.ORG_SUB_KINDS[kind]:
        errors["sub_kind"] = f"类型：「{ALL_SUB_KINDS[sub]}」不属于{choices.ORG_KINDS[kind]}"
    if "sub_kind" in values and values["sub_kind"] is None:
        values["sub_kind"] = ""
    if "industry" in values and values["industry"] is None:
        values["industry"] = ""
    if "contact_phone" in values:
        phone = values.pop("contact_phone")
        values["contact_phone_enc"] = crypto.encrypt(phone) if phone else None
        values["contact_phone_hash"] = crypto.blind_index(phone, "phone") if phone else None
    return values, errors


def credit_code_taken(session: Session, code: str | None, exclude_id: int | None = None) -> bool:
    if not code:
        return False
    stmt = select(Organization.id).where(Organization.credit_code == code)
    if exclude_id:
        stmt = stmt.where(Organization.id != exclude_id)
    return session.scalar(stmt) is not None


def resolve_organization(session: Session, value: str | None) -> tuple[int | None, str | None]:
    """An organization of the session's tenant by credit code, id or exact name."""
    if not value:
        return None, None
    value = str(value).strip()
    code = validators.normalize_credit_code(value)
    if len(code) == 18 and not validators.validate_credit_code(code):
        found = session.scalar(select(Organization.id).where(Organization.credit_code == code))
    elif value.isdigit():
        found = session.scalar(select(Organization.id).where(Organization.id == row_id(value)))
    else:
        ids = session.scalars(select(Organization.id).where(Organization.name == value).limit(2)).all()
        if len(ids) > 1:
            return None, f"有多个名为「{value}」的组织，请填写统一社会信用代码"
        found = ids[0] if ids else None
    return (found, None) if found else (None, f"找不到组织「{value}」")


# --- party orgs --------------------------------------------------------------------------------

PARTY_ORG_FIELDS = [
    FieldSpec("name", "党组织名称", required=True, max_length=200),
    FieldSpec("org_type", "党组织类型", "choice", required=True, choices=choices.PARTY_ORG_TYPES),
    FieldSpec("parent", "上级党组织", "ref"),
    FieldSpec("formation_mode", "组建方式", "choice", required=True, choices=choices.FORMATION_MODES),
    FieldSpec("secretary_name", "书记", max_length=50),
    FieldSpec("founded_on", "成立日期", "date"),
    FieldSpec("term_ends_on", "换届日期", "date"),
    FieldSpec("venue_class", "阵地类别", "choice", choices=choices.VENUE_CLASSES),
    FieldSpec("venue_accepted_on", "阵地验收日期", "date"),
    FieldSpec("is_weak", "软弱涣散", "bool"),
    FieldSpec("is_model", "示范党组织", "bool"),
    FieldSpec("dissolved_on", "撤销日期", "date"),
    FieldSpec("dissolved_reason", "撤销原因", max_length=200),
]


def clean_party_org(raw: Mapping[str, Any], *, partial: bool = False, fields: list[FieldSpec] | None = None):
    """Values (``parent`` still a reference string) and errors; ``fields`` as for organizations."""
    values, errors = clean(fields or PARTY_ORG_FIELDS, raw, partial=partial)
    founded, term = values.get("founded_on"), values.get("term_ends_on")
    if founded and term and term < founded:
        errors["term_ends_on"] = "换届日期：不能早于成立日期"
    if values.get("venue_accepted_on") and not values.get("venue_class") and not partial:
        errors["venue_class"] = "阵地类别：填写验收日期时须选择阵地类别"
    if values.get("dissolved_on") and not values.get("dissolved_reason"):
        errors["dissolved_reason"] = "撤销原因：撤销的党组织须填写原因"
    return values, errors


def resolve_party_org(session: Session, value: str | None) -> tuple[int | None, str | None]:
    if not value:
        return None, None
    value = str(value).strip()
    if value.isdigit():
        found = session.scalar(select(PartyOrg.id).where(PartyOrg.id == row_id(value)))
    else:
        ids = session.scalars(select(PartyOrg.id).where(PartyOrg.name == value).limit(2)).all()
        if len(ids) > 1:
            return None, f"有多个名为「{value}」的党组织"
        found = ids[0] if ids else None
    return (found, None) if found else (None, f"找不到党组织「{value}」")


# --- members -----------------------------------------------------------------------------------

PIPELINE = list(choices.MEMBER_STATUSES)  # applicant → … → full
STEP_DATES = {
    "applicant": "applied_on",
    "activist": "activist_on",
    "candidate": "candidate_on",
    "probationary": "probationary_on",
    "full": "full_on",
}

MEMBER_FIELDS = [
    FieldSpec("name", "姓名", required=True, max_length=50),
    FieldSpec("id_number", "身份证号", "id_number"),
    FieldSpec("gender", "性别", "choice", choices=choices.GENDERS),
    FieldSpec("birth_date", "出生日期", "date"),
    FieldSpec("ethnicity", "民族", max_length=20),
    FieldSpec("education", "学历", "choice", choices=choices.EDUCATION),
    FieldSpec("phone", "手机号", "mobile"),
    FieldSpec("status", "政治面貌", "choice", required=True, choices=choices.MEMBER_STATUSES),
    FieldSpec("applied_on", "申请入党日期", "date"),
    FieldSpec("activist_on", "确定积极分子日期", "date"),
    FieldSpec("candidate_on", "确定发展对象日期", "date"),
    FieldSpec("probationary_on", "入党日期（预备）", "date"),
    FieldSpec("full_on", "转正日期", "date"),
    FieldSpec("party_org", "所在党组织", "ref"),
    FieldSpec("organization", "工作单位", "ref"),
    FieldSpec("position", "党内职务", "choice", choices=choices.POSITIONS),
    FieldSpec("mobile", "流动党员", "choice", choices=choices.MOBILE_DIRECTIONS),
    FieldSpec("mobile_counterpart", "流入/流出地", max_length=200),
    FieldSpec("transfer_rule", "组织关系转接", "choice", choices=choices.TRANSFER_RULES),
    FieldSpec("transfer_state", "转接状态", "choice", choices=choices.TRANSFER_STATES),
    FieldSpec("lost_contact", "失联", "bool"),
    FieldSpec("points", "积分", "int", min=-1000, max=100000),
]


def clean_member(raw: Mapping[str, Any], *, partial: bool = False):
    """Values (``party_org``/``organization`` still references) and errors.

    Adds ``id_number_enc/hash`` and ``phone_enc/hash``; fills gender and birth date from
    the ID number when left empty; checks the pipeline dates.
    """
    values, errors = clean(MEMBER_FIELDS, raw, partial=partial)
    for key in ("gender", "education", "position", "mobile", "transfer_rule", "transfer_state"):
        if key in values and values[key] is None:
            values[key] = ""
    idn = values.pop("id_number", None) if "id_number" in values else None
    if idn:
        values.setdefault("gender", "")
        if not values.get("gender"):
            values["gender"] = "male" if validators.gender_from_id(idn) == "男" else "female"
        if not values.get("birth_date"):
            values["birth_date"] = validators.birth_date_from_id(idn)
        elif values["birth_date"] != validators.birth_date_from_id(idn):
            errors["birth_date"] = "出生日期：与身份证号不一致"
        values["id_number_enc"] = crypto.encrypt(idn)
        values["id_number_hash"] = crypto.blind_index(idn, "id_number")
    elif "id_number" in raw and not partial:
        values["id_number_enc"] = values["id_number_hash"] = None
    if "phone" in values:
        phone = values.pop("phone")
        values["phone_enc"] = crypto.encrypt(phone) if phone else None
        values["phone_hash"] = crypto.blind_index(phone, "phone") if phone else None
    status = values.get("status")
    if status:
        reached = PIPELINE.index(status)
        previous: tuple[str, dt.date] | None = None
        for i, step in enumerate(PIPELINE):
            key = STEP_DATES[step]
            when = values.get(key)
            if when is None:
                continue
            if i > reached:
                errors[key] = f"{_label(key)}：当前为{choices.MEMBER_STATUSES[status]}，不应填写此日期"
            elif previous and when < previous[1]:
                errors[key] = f"{_label(key)}：不能早于{_label(previous[0])}"
            previous = (key, when)
        if status in ("probationary", "full") and not values.get(STEP_DATES[status]) and not partial:
            errors[STEP_DATES[status]] = f"{_label(STEP_DATES[status])}：{choices.MEMBER_STATUSES[status]}须填写此日期"
    if values.get("mobile") and not values.get("mobile_counterpart"):
        errors["mobile_counterpart"] = "流入/流出地：流动党员须填写"
    return values, errors


def _label(key: str) -> str:
    return next(s.label for s in MEMBER_FIELDS if s.key == key)


def member_hash_taken(session: Session, id_hash: str | None, exclude_id: int | None = None) -> bool:
    from core.registry.models import Member

    if not id_hash:
        return False
    stmt = select(Member.id).where(Member.id_number_hash == id_hash)
    if exclude_id:
        stmt = stmt.where(Member.id != exclude_id)
    return session.scalar(stmt) is not None
