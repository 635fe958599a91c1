"""Change histories and the audit log, in words (CORE-10).

The audit log (:mod:`core.audit`) stores table names, column names and raw values. Every area
describes its audited tables once, with a :class:`Labels` per model in the ``LABELS`` list of
its package's ``history`` module (``core/registry/history.py``, ``plugins/<name>/history.py``);
:func:`read` turns audit entries into :class:`Change` rows that read in Chinese:

* the operation: "新增联组负责人" (verb + table name, or the table's own action names);
* field labels, choice labels, 是/否, times in Beijing time, money and other formats;
* references by name: a column with a foreign key (or listed in ``Labels.refs``) shows the
  referenced row's name, found through that table's ``Labels.title`` (or, for a deleted row,
  through its last audit snapshot);
* JSON columns with their keys labelled (``Labels.keys``);
* bookkeeping columns (``id``, ``tenant_id``, timestamps, keyed hashes, ``Labels.hidden``) left out.

Pages render the rows with the ``ChangeHistory`` component; :func:`of` reads the history of
given rows. ``tests/test_history_labels.py`` fails if an audited model has no labels.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, and_, inspect, or_, select
from sqlalchemy.orm import Session

from core.models import AuditEntry, TenantPlugin, User
from core.tenancy import TenantInfo, tree
from core.web.templating import localtime

#: a choice table, or a function of the tenant giving one (vocabularies a tenant configures)
Choices = Mapping[Any, str] | Callable[[TenantInfo | None], Mapping[Any, str]]

#: columns no history shows
ALWAYS_HIDDEN = frozenset({"id", "tenant_id", "created_at", "updated_at"})
#: the verbs of row changes and of common explicit actions
VERBS = {"create": "新增", "update": "修改", "delete": "删除", "export": "导出", "reveal": "查看完整信息"}
#: actions that are about no one table
OPERATIONS = {
    "auth.login": "登录", "auth.login_failed": "登录失败", "role.grant": "授予角色", "role.revoke": "撤销角色",
    "tenant.export": "导出辖区数据", "registry.demo_load": "载入演示台账", "imports.commit": "导入台账",
    "coverage.export": "导出覆盖情况",
    "auth.login_password": "密码验证通过（待双因素验证）", "users.password": "修改密码",
    "mfa.enrol": "绑定身份验证器", "mfa.disable": "关闭双因素登录", "mfa.recovery_used": "使用恢复码登录",
    "mfa.recovery_codes": "重新生成恢复码",
}
EMPTY = "—"
#: query parameters an export records as its filter (keys no table labels)
FILTER_FIELDS = {
    "q": "搜索", "format": "格式", "page": "页码", "page_size": "每页条数", "status": "状态", "state": "状态",
    "kind": "类别", "type": "类型", "category": "类别", "urgency": "紧急程度", "cluster": "组团", "party_org": "党组织",
    "organization": "组织", "instructor": "党建指导员", "community": "社区（村）", "station": "服务站", "tenant": "辖区",
    "year": "年度", "template": "模板", "side": "方向", "period_kind": "周期", "period": "期间", "own": "仅本人的",
    "full": "完整信息", "rows": "条数", "overdue": "超期", "date_from": "起始日期", "date_to": "截止日期", "metric": "指标",
}
#: the columns of an uploaded file (:class:`core.uploads.StoredFile`)
FILE_FIELDS = {"filename": "文件名", "content_type": "文件类型", "size": "大小（字节）", "uploaded_by_id": "上传人"}
FILE_HIDDEN = frozenset({"sha256", "stored_name"})


@dataclass(frozen=True)
class Labels:
    """How the rows of one audited model read in a history.

    ``name`` may use the tenant's terms: ``"{cluster}负责人"`` reads "联组负责人".
    ``fields`` names every column that is not hidden (and any extra key explicit audit
    records carry); ``choices`` / ``formats`` turn values into words; ``refs`` names the
    table a column without a foreign key refers to; ``keys`` labels the keys of a JSON
    column; ``actions`` names explicit actions (``"cover": "新增覆盖"``); ``title`` is how a
    row of this table is named where another row refers to it: a column (a reference column
    names it after the referenced row), the first filled of several, or a function of the
    row's values (default: the first of name, title, label, username).
    """

    model: type
    name: str
    fields: Mapping[str, str]
    hidden: Collection[str] = ()
    choices: Mapping[str, Choices] = field(default_factory=dict)
    formats: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    refs: Mapping[str, str] = field(default_factory=dict)
    keys: Mapping[str, Choices] = field(default_factory=dict)
    actions: Mapping[str, str] = field(default_factory=dict)
    title: str | tuple[str, ...] | Callable[[Mapping[str, Any]], str] = ""

    @property
    def table(self) -> str:
        return self.model.__table__.name

    def is_hidden(self, key: str) -> bool:
        return key in ALWAYS_HIDDEN or key in self.hidden or key.endswith("_hash")

    def shown_columns(self) -> list[str]:
        return [a.key for a in inspect(self.model).column_attrs if not self.is_hidden(a.key)]


@dataclass
class Change:
    """One audit entry as a history shows it."""

    created_at: dt.datetime
    username: str
    operation: str
    subject: str
    before: dict[str, str] | None
    after: dict[str, str] | None
    tenant_id: int | None = None
    who: str = ""  # the person's name (their account's display name), else the account

    def __post_init__(self) -> None:
        self.who = self.who or self.username


# --- the registered tables ----------------------------------------------------------------------


def _label_modules() -> list[str]:
    from core.plugins import CORE_PLUGINS, registry

    names = [m for m in CORE_PLUGINS.values() if m != "core.builtin"]
    names += [module.__name__ for module in registry().modules.values()]
    return [f"{n}.history" for n in names]


@lru_cache(maxsize=1)
def tables() -> dict[str, Labels]:
    """Table name → labels, from the core and every installed plugin's ``history.LABELS``."""
    out = {lab.table: lab for lab in CORE_LABELS}
    for name in _label_modules():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        out.update({lab.table: lab for lab in getattr(module, "LABELS", ())})
    return out


def _terms(tenant: TenantInfo | None) -> dict[str, str]:
    from core.terms import default_terms, terms_for

    return dict(terms_for(tenant) if tenant else default_terms())


def table_name(table: str, tenant: TenantInfo | None = None) -> str:
    lab = tables().get(table)
    if lab is None:
        return ""
    return lab.name.format_map(_terms(tenant)) if "{" in lab.name else lab.name


def operation(action: str, entity: str = "", tenant: TenantInfo | None = None) -> str:
    """"新增联组负责人" for ``cluster_leaders.create``; the table's own name for its actions."""
    if action in OPERATIONS:
        return OPERATIONS[action]
    prefix, _, verb = action.rpartition(".")
    known = tables()
    lab = known.get(prefix) or known.get(entity)
    if lab is not None and verb in lab.actions:
        return lab.actions[verb]
    if verb in VERBS:
        return VERBS[verb] + (table_name(lab.table, tenant) if lab else "")
    return action


# --- reading -----------------------------------------------------------------------------------


def _title_keys(lab: Labels) -> tuple[str, ...]:
    if isinstance(lab.title, str):
        return (lab.title,) if lab.title else ("name", "title", "label", "username")
    return tuple(lab.title) if not callable(lab.title) else ()


def _references(lab: Labels) -> dict[str, str]:
    return _references_of(lab.table)


@lru_cache(maxsize=None)
def _references_of(table: str) -> dict[str, str]:
    """Column → referenced table, from foreign keys and ``Labels.refs``."""
    lab = tables()[table]
    out = {}
    for column in lab.model.__table__.columns:
        for fk in column.foreign_keys:
            out[column.key] = fk.column.table.name
    return {**out, **lab.refs}


@lru_cache(maxsize=None)
def _column_types(table: str) -> dict[str, Any]:
    lab = tables()[table]
    return {c.key: c.type for c in lab.model.__table__.columns}


class _Reader:
    """Formats the entries of one page: choice tables and referenced names loaded once."""

    def __init__(self, session: Session, entries: list[AuditEntry]):
        self.session = session
        self.known = tables()
        self.choices: dict[tuple[str, str, int | None], Mapping[Any, str]] = {}
        self.names: dict[tuple[str, str], str] = {}
        self._load_names(entries)

    def tenant(self, tenant_id: int | None) -> TenantInfo | None:
        return tree().by_id.get(tenant_id) if tenant_id is not None else None

    # referenced rows, by name
    def _load_names(self, entries: list[AuditEntry]) -> None:
        wanted: dict[str, set[str]] = defaultdict(set)
        for e in entries:
            lab = self.known.get(e.entity)
            if lab is None:
                continue
            if not e.summary and e.entity_id:
                wanted[e.entity].add(e.entity_id)
            refs = _references(lab)
            for values in (e.before or {}, e.after or {}):
                for key, value in values.items():
                    if key in refs and value not in (None, "", "***"):
                        wanted[refs[key]].add(str(value))
        for table, ids in wanted.items():
            self.names.update({(table, i): n for i, n in self._names(table, ids).items()})

    def _names(self, table: str, ids: set[str]) -> dict[str, str]:
        if table == "tenants":
            return {i: t.name for i in ids if i.isdigit() and (t := tree().by_id.get(int(i)))}
        lab = self.known.get(table)
        if lab is None:
            return {}
        found: dict[str, Mapping[str, Any]] = {}
        keys = [int(i) for i in ids if i.isdigit()]
        if keys:
            pk = lab.model.__table__.primary_key.columns.values()[0]
            for row in self.session.scalars(select(lab.model).where(pk.in_(keys))):
                values = dict(inspect(row).dict)  # the loaded columns: deferred ones are never named by
                found[str(values[pk.key])] = values
        missing = sorted(ids - set(found))
        if missing:  # deleted (or out of scope): named by their last audit snapshot
            for e in self.session.scalars(
                select(AuditEntry).where(AuditEntry.entity == table, AuditEntry.entity_id.in_(missing),
                                         or_(AuditEntry.action == f"{table}.create",
                                             AuditEntry.action == f"{table}.delete"))
                .order_by(AuditEntry.id)
            ):
                found[e.entity_id] = e.before or e.after or {}
        # a row named after a row it refers to (a score after its criterion): name those first
        refs = _references(lab)
        wanted: dict[str, set[str]] = defaultdict(set)
        for values in found.values():
            for key in _title_keys(lab):
                if key in refs and values.get(key) not in (None, ""):
                    wanted[refs[key]].add(str(values[key]))
        for ref_table, ref_ids in wanted.items():
            if ref_table != table:
                self.names.update({(ref_table, i): n for i, n in self._names(ref_table, ref_ids).items()})
        out = {}
        for ident, values in found.items():
            name = self._title(lab, refs, values)
            if name:
                out[ident] = name
        return out

    def _title(self, lab: Labels, refs: Mapping[str, str], values: Mapping[str, Any]) -> str:
        if callable(lab.title):
            return str(lab.title(values) or "")
        for key in _title_keys(lab):
            value = values.get(key)
            if value in (None, ""):
                continue
            return self.names.get((refs[key], str(value)), "") if key in refs else str(value)
        return ""

    def name(self, table: str, ident: Any) -> str:
        found = self.names.get((table, str(ident)))
        if found:
            return found
        label = table_name(table)
        return f"{label} {ident}（已删除）" if label else str(ident)

    # values
    def _choices(self, lab: Labels, key: str, spec: Choices, tenant_id: int | None) -> Mapping[Any, str]:
        if not callable(spec):
            return spec
        cache_key = (lab.table, key, tenant_id)
        if cache_key not in self.choices:
            self.choices[cache_key] = spec(self.tenant(tenant_id))
        return self.choices[cache_key]

    def value(self, lab: Labels, key: str, value: Any, tenant_id: int | None) -> str:
        if value is None or value == "":
            return EMPTY
        if value == "***":
            return "***"
        if key in lab.choices:
            table = self._choices(lab, key, lab.choices[key], tenant_id)
            if isinstance(value, list):
                return "、".join(_choice(table, v) for v in value) or EMPTY
            return _choice(table, value)
        refs = _references(lab)
        if key in refs:
            return self.name(refs[key], value)
        if key in lab.formats:
            return str(lab.formats[key](value))
        if key in lab.keys and isinstance(value, Mapping):
            names = self._choices(lab, f"keys:{key}", lab.keys[key], tenant_id)
            parts = [f"{names.get(k, k)}：{self.plain(v)}" for k, v in value.items()]
            return "；".join(parts) or EMPTY
        kind = _column_types(lab.table).get(key)
        if isinstance(kind, DateTime) and isinstance(value, str):
            try:
                return localtime(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        if isinstance(kind, (Boolean, JSON)) or isinstance(value, (bool, list, dict)):
            return self.plain(value)
        return str(value)

    def plain(self, value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, list):
            return "、".join(self.plain(v) for v in value) or EMPTY
        if isinstance(value, dict):
            return "；".join(f"{k}：{self.plain(v)}" for k, v in value.items()) or EMPTY
        return str(value)

    def values(self, lab: Labels | None, values: Mapping[str, Any] | None, tenant_id: int | None, *,
               other: Mapping[str, Any] | None = None, filled_only: bool = False) -> dict[str, str] | None:
        """``values`` in words. ``other``: the other side of an update (a JSON column shows only
        its changed keys); ``filled_only``: leave empty values out (a created or deleted row)."""
        if not values:
            return None
        if lab is None:
            return {FILTER_FIELDS.get(k, k): self.plain(v) for k, v in values.items() if not k.endswith("_hash")} or None
        out = {}
        for key, value in values.items():
            if lab.is_hidden(key) or (filled_only and value in (None, "", [], {})):
                continue
            if other is not None and isinstance(value, dict) and isinstance(other.get(key), dict):
                value = {k: v for k, v in value.items() if other[key].get(k) != v}
            out[lab.fields.get(key) or FILTER_FIELDS.get(key, key)] = self.value(lab, key, value, tenant_id)
        return out or None

    def change(self, e: AuditEntry) -> Change:
        lab = self.known.get(e.entity)
        tenant = self.tenant(e.tenant_id)
        subject = e.summary or (self.names.get((e.entity, e.entity_id), "") if lab else "")
        return Change(
            created_at=e.created_at, username=e.username, operation=operation(e.action, e.entity, tenant),
            subject=subject, tenant_id=e.tenant_id,
            before=self.values(lab, e.before, e.tenant_id, other=e.after, filled_only=e.after is None),
            after=self.values(lab, e.after, e.tenant_id, other=e.before, filled_only=e.before is None),
        )


def _choice(table: Mapping[Any, str], value: Any) -> str:
    if value in table:
        return table[value]
    return next((text for code, text in table.items() if str(code) == str(value)), str(value))


def read(session: Session, entries: Iterable[AuditEntry]) -> list[Change]:
    """The entries, in words (in their order)."""
    entries = list(entries)
    reader = _Reader(session, entries)
    accounts = {e.username for e in entries if e.username}
    people = dict(session.execute(select(User.username, User.display_name).where(
        User.username.in_(accounts), User.display_name != "")).all()) if accounts else {}
    changes = [reader.change(e) for e in entries]
    for c in changes:
        c.who = people.get(c.username, c.username)
    return changes


def of(session: Session, rows: Mapping[str, Iterable[Any]], tenant_id: int | None = None,
       limit: int = 200, *, children: Mapping[str, tuple[str, Any]] | None = None) -> list[Change]:
    """The history of the given rows (table → ids), newest first, in words.

    ``children`` (table → (column, id or ids)) adds the rows of that table whose creation was
    recorded with ``column`` equal to one of the ids — deleted ones included (the speakers of an
    activity: ``{"activities_speakers": ("activity_id", activity.id)}``). ``tenant_id`` defaults
    to the session's tenant.
    """
    tid = tenant_id if tenant_id is not None else session.info.get("tenant_id")
    wanted = {table: {str(i) for i in ids} for table, ids in rows.items()}
    for table, (column, parents) in (children or {}).items():
        parents = [parents] if isinstance(parents, (int, str)) else list(parents)
        if not parents:
            continue
        found = session.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.tenant_id == tid, AuditEntry.entity == table, AuditEntry.action == f"{table}.create",
                AuditEntry.after[column].as_integer().in_([int(p) for p in parents])))
        wanted.setdefault(table, set()).update(found)
    conds = [and_(AuditEntry.entity == table, AuditEntry.entity_id.in_(sorted(ids)))
             for table, ids in wanted.items() if ids]
    if not conds:
        return []
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.tenant_id == tid, or_(*conds))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit))
    return read(session, entries)


def operation_choices(actions: Iterable[str]) -> list[tuple[str, str]]:
    """(action, Chinese name) of the given actions, by name, for a filter."""
    named = {a: operation(a) for a in actions}
    return sorted(named.items(), key=lambda kv: (kv[1], kv[0]))


# --- the core's own tables ------------------------------------------------------------------------


def _roles(_tenant: TenantInfo | None) -> dict[str, str]:
    from core.plugins import registry

    out: dict[str, str] = {}
    for batch in registry().pm.hook.register_roles():
        for role in batch or ():
            if role.label:
                out.setdefault(role.name, role.label)
    return out


def plugin_labels(_tenant: TenantInfo | None = None) -> dict[str, str]:
    """Plugin name → its label (a :data:`Choices` for columns that hold a plugin's name)."""
    from core.plugins import registry

    return {name: meta.label for name, meta in registry().meta.items()}


def _term_labels(_tenant: TenantInfo | None) -> dict[str, str]:
    from core.plugins import registry

    return {t.key: t.default for batch in registry().pm.hook.register_terms() for t in batch or ()}


def _level_labels() -> dict[str, str]:
    from core.models import TENANT_LEVELS

    return TENANT_LEVELS


def _core_labels() -> list[Labels]:
    from core.models import ApiToken, Tenant

    return [
        Labels(Tenant, "辖区", {"slug": "标识", "name": "名称", "level": "层级", "parent_id": "上级辖区",
                               "host": "域名", "terms": "术语", "archived_at": "归档时间"},
               choices={"level": _level_labels()}, keys={"terms": _term_labels},
               actions={"export": "导出辖区数据"}),
        Labels(User, "用户", {"username": "用户名", "display_name": "姓名", "position": "职务", "is_active": "启用",
                             "user": "用户", "role": "角色"},
               hidden={"password_hash"}, choices={"role": _roles},
               title=lambda v: v.get("display_name") or v.get("username") or v.get("user") or ""),
        Labels(ApiToken, "接口令牌", {"user_id": "用户", "name": "名称", "revoked_at": "撤销时间"},
               hidden={"token_hash"}),
        Labels(TenantPlugin, "插件启用", {"plugin": "插件", "enabled": "启用", "settings": "设置",
                                      "version": "版本"},
               choices={"plugin": plugin_labels}, title=lambda v: plugin_labels(None).get(v.get("plugin"), "")),
    ]


CORE_LABELS = _core_labels()
