"""Import of organizations, party orgs and members from .xlsx / .csv (CORE-8).

The flow
--------
1. :func:`core.registry.upload_safety.inspect_upload` rejects hostile or wrong files before
   any parsing. The accepted file is stored in an :class:`ImportJob` row (state in the
   database, so every worker sees progress).
2. *Check* (dry run): :func:`execute_job` with ``commit=False`` streams the rows (openpyxl
   ``read_only`` / :mod:`csv`), cleans each one with the shared ``clean_*`` functions of
   :mod:`core.registry.schemas`, checks uniqueness within the file and against the database,
   resolves references, and records a compact report: counts (new / update / unchanged /
   error) and the first :data:`MAX_PROBLEMS` problems as ``[row, column, message]``.
   Nothing is written to the registry.
3. *Import*: the same pass with ``commit=True`` in ONE transaction; rows are written in
   batches (flush, then expunge, so memory stays bounded) and any problem rolls everything
   back. Unchanged rows are not touched, so re-importing a file writes nothing and leaves no
   audit entries. Matching: organizations on the credit code (or, without one, on the exact
   name among organizations that have no code), members on the keyed hash of the ID number,
   party orgs on the name.

The tenant is always the session's (``TenantOwned`` stamping); a column naming another
tenant is ignored like any unknown column.

Large files run in a background thread (:func:`start_job`) with their own sessions scoped to
the tenant; ``processed_rows`` / ``total_rows`` in the job row give the progress.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import validators
from core.audit import record
from core.db import Base, TenantOwned, Timestamps, open_session, utcnow
from core.registry import mapping as column_mapping
from core.registry import synonyms
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage
from core.registry.schemas import (
    MEMBER_FIELDS,
    ORGANIZATION_FIELDS,
    PARTY_ORG_FIELDS,
    FieldSpec,
    clean_member,
    clean_organization,
    clean_party_org,
    resolve_organization,
    resolve_party_org,
)

log = logging.getLogger("liandong.import")

#: rows cleaned, matched and written together
BATCH = 500
#: problems kept for the report; the rest are only counted
MAX_PROBLEMS = 500
#: data rows accepted in one file
MAX_ROWS = 200_000
#: columns read from a sheet when looking for the header
MAX_HEADER_COLUMNS = 200
#: rows searched for the header (a title row above it is common)
HEADER_SEARCH_ROWS = 10
#: data rows read before the columns are mapped (their values help to recognise columns)
SAMPLE_ROWS = 50
#: values per column kept for the mapping page
SAMPLE_VALUES = 3
#: rows whose name starts with this are the template's example and are skipped
EXAMPLE_MARK = "【示例】"
#: the column added to the error workbook
ERROR_COLUMN = "错误说明"
#: a running job whose row was not touched for this long is shown as interrupted
STALE_AFTER = dt.timedelta(minutes=10)
#: uploads up to this size are checked/imported within the request; bigger ones in a thread
DEFAULT_SYNC_BYTES = 512 * 1024


def sync_limit_bytes() -> int:
    raw = os.environ.get("LIANDONG_IMPORT_SYNC_BYTES")
    return int(raw) if raw and raw.strip().isdigit() else DEFAULT_SYNC_BYTES


# --- the job row -------------------------------------------------------------------------------

JOB_STATES = {
    "checking": "正在检查",
    "checked": "检查完成",
    "importing": "正在导入",
    "done": "导入完成",
    "failed": "导入未完成",
}
RUNNING = ("checking", "importing")


class ImportJob(TenantOwned, Timestamps, Base):
    """One uploaded file and its latest check or import result (bookkeeping, not audited)."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_tenant_created", "tenant_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64), default="")
    entity: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200), default="")
    file_kind: Mapped[str] = mapped_column(String(8))  # xlsx | csv
    encoding: Mapped[str] = mapped_column(String(20), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    #: the uploaded bytes until the import is done (cleared then, and after two days)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    state: Mapped[str] = mapped_column(String(20), default="checking")
    total_rows: Mapped[int | None] = mapped_column(Integer)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[Any] | None] = mapped_column(JSON)
    more_problems: Mapped[int] = mapped_column(Integer, default=0)
    ignored_columns: Mapped[list[Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: the file's columns and how they map: {"headers", "mapping", "source", "samples"}
    columns: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: imported (or to import) only its valid rows, the others returned in ``error_file``
    valid_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: the rows not imported by a valid-rows import, with 错误说明 (an .xlsx)
    error_file: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    @property
    def state_label(self) -> str:
        if self.interrupted:
            return "已中断"
        return JOB_STATES.get(self.state, self.state)

    @property
    def running(self) -> bool:
        return self.state in RUNNING and not self.interrupted

    @property
    def interrupted(self) -> bool:
        if self.state not in RUNNING or self.id in _LIVE:
            return False
        touched = self.updated_at
        if touched is None:
            return False
        if touched.tzinfo is None:
            touched = touched.replace(tzinfo=dt.timezone.utc)
        return utcnow() - touched > STALE_AFTER

    @property
    def has_errors(self) -> bool:
        return bool(self.error_count or self.message)

    @property
    def changes(self) -> int:
        return (self.created_count or 0) + (self.updated_count or 0)

    @property
    def can_confirm(self) -> bool:
        return self.state == "checked" and not self.has_errors and self.changes > 0

    @property
    def can_import_valid(self) -> bool:
        """Some rows are wrong, others would be written: "import only the valid rows" is offered."""
        if not (self.state == "checked" and not self.message and bool(self.error_count) and self.changes > 0):
            return False
        return get_entity(self.entity, self.tenant_id) is not None and not self.all_or_nothing

    @property
    def all_or_nothing(self) -> bool:
        """The kind is imported whole or not at all (no "import only the valid rows")."""
        entity = get_entity(self.entity, self.tenant_id)
        return bool(entity and entity.all_or_nothing)

    @property
    def mapped_columns(self) -> list[tuple[str, str]]:
        """(the file's header, the field it is imported as) of each imported column."""
        entity = get_entity(self.entity, self.tenant_id)
        info = self.columns or {}
        return [(str(h), entity.label_of(k) if entity else k)
                for h, k in zip(info.get("headers") or [], info.get("mapping") or [], strict=False) if k]

    @property
    def mapped(self) -> bool:
        """The file was read far enough to map its columns (the mapping step can be shown)."""
        return bool(self.columns and self.columns.get("headers"))

    @property
    def processed(self) -> int:
        return _LIVE.get(self.id, self.processed_rows or 0)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return max(0, min(100, round(100 * self.processed / self.total_rows)))

    @property
    def entity_label(self) -> str:
        entity = get_entity(self.entity, self.tenant_id)
        return entity.label if entity else self.entity


#: job id → rows processed, for jobs running in this process (SQLite cannot take progress
#: writes while the import transaction holds the write lock)
_LIVE: dict[int, int] = {}


# --- entities and columns ----------------------------------------------------------------------

COVERS = FieldSpec("covers", "覆盖组织", "ref", max_length=5000,
                   help="本党组织覆盖的两新组织：统一社会信用代码或组织名称，多个用“、”分隔")

REF_HELP = {
    "parent": "上级党组织的名称；须已在系统中，或在本文件中位于本行之前",
    "party_org": "所在党组织的名称（须已在系统中）",
    "organization": "工作单位的统一社会信用代码或名称（须已在系统中）",
}


@dataclass(frozen=True)
class ImportKind:
    """A ledger that can be imported from Excel/CSV, registered with ``register_import_kinds``.

    The run cleans each row with ``cleaner(raw) → (values, errors)`` (keys of ``fields``),
    then hands each batch of rows to ``batch(run, rows)``, which matches rows with existing
    records, sets row errors and calls :meth:`ImportRun.upsert` for the valid ones (the
    registry's own kinds use the run's ``_batch_<slug>`` methods instead).
    """

    slug: str
    label: str
    model: type
    fields: tuple[FieldSpec, ...]
    cleaner: Callable[..., tuple[dict[str, Any], dict[str, str]]]
    #: the kind's list page, relative to the tenant (``organizations``, ``lists/resources``)
    list_path: str
    #: column keys a file must have
    required_columns: tuple[str, ...]
    #: raw key → (hash column, ciphertext column); compared by hash
    secret_pairs: dict[str, tuple[str, str]]
    #: raw key → the model column its value is stored in (a reference → its id column,
    #: ``amount`` → ``amount_fen``); compared there on re-import
    refs: dict[str, str]
    example: dict[str, Any]
    #: field label → other names of its column; choice label → other words for it
    #: (added to the one table of :mod:`core.registry.synonyms`)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    choice_synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``batch(run, rows)`` for kinds registered by plugins (see the class docstring)
    batch: Callable[[ImportRun, list[_Row]], None] | None = None
    #: the permission needed to import this kind
    permission: str = "registry:import"
    #: how a row finds its existing record (the template's 填写说明), e.g. "按姓名识别指导员。"
    guide: str = ""
    #: column keys written as they are (not model columns: the batch handles them)
    extra_keys: tuple[str, ...] = ()
    #: the tenant's extra fields (``register_extra_fields``) of a registry kind: columns
    #: ``extra.<key>``, written into the record's ``extra`` JSON column
    extra_fields: tuple[Any, ...] = ()
    #: every row or none: "import only the valid rows" is not offered (e.g. a month of dues)
    all_or_nothing: bool = False
    #: the batch refuses, row by row, the rows outside a limited user's scope (``run.limited``,
    #: ``run.own_organizations()``, ``run.outside(...)``); a kind without it is not offered to
    #: limited users (an org secretary) even when they hold its permission
    scoped: bool = False

    def __post_init__(self) -> None:
        synonyms.extend(self.synonyms, self.choice_synonyms)

    def header_keys(self) -> set[str]:
        """Every header (compared form) that names one of the fields."""
        keys: set[str] = set()
        for spec in self.fields:
            keys |= synonyms.header_names(spec.label) | {synonyms.header_key(spec.key)}
        return keys

    def label_of(self, key: str) -> str:
        for spec in self.fields:
            if spec.key == key:
                return spec.label
        return ""

    @property
    def headers(self) -> list[str]:
        return [s.label for s in self.fields]


def _examples() -> tuple[str, str]:
    rng = random.Random(20240301)
    return (validators.generate_credit_code(rng, "430104"),
            validators.generate_id_number(rng, dt.date(1986, 5, 12), True, "430104"))


_EX_CODE, _EX_ID = _examples()

ENTITIES: dict[str, ImportKind] = {
    "organizations": ImportKind(
        "organizations", "两新组织", Organization, tuple(ORGANIZATION_FIELDS), clean_organization,
        "organizations", ("name", "kind"),
        {"contact_phone": ("contact_phone_hash", "contact_phone_enc")}, {},
        {"name": EXAMPLE_MARK + "长沙某某科技有限公司", "credit_code": _EX_CODE, "kind": "非公企业",
         "sub_kind": "有限责任公司", "industry": "信息传输、软件和信息技术服务业",
         "address": "岳麓区麓谷大道 1 号", "community": "某某社区", "building": "某某大厦",
         "employees": 56, "investor": "张三", "legal_rep": "张三", "contact_name": "李四",
         "contact_phone": "13800138000", "status": "在营", "has_union": "是", "has_youth_league": "否",
         "has_womens_federation": "否", "is_internet_platform": "否", "employs_new_groups": "否",
         "party_work_active": "是", "notes": ""},
    ),
    "party_orgs": ImportKind(
        "party_orgs", "党组织", PartyOrg, (*PARTY_ORG_FIELDS, COVERS), clean_party_org,
        "party-orgs", ("name", "org_type", "formation_mode"), {}, {"parent": "parent_id"},
        {"name": EXAMPLE_MARK + "长沙某某科技有限公司党支部", "org_type": "党支部",
         "parent": "某某街道两新综合党委", "formation_mode": "单独组建", "secretary_name": "王五",
         "founded_on": "2021-07-01", "term_ends_on": "2026-07-01", "venue_class": "二类阵地",
         "venue_accepted_on": "2022-03-15", "is_weak": "否", "is_model": "否",
         "dissolved_on": "", "dissolved_reason": "", "covers": _EX_CODE},
    ),
    "members": ImportKind(
        "members", "党员", Member, tuple(MEMBER_FIELDS), clean_member,
        "members", ("name", "id_number", "status"),
        {"id_number": ("id_number_hash", "id_number_enc"), "phone": ("phone_hash", "phone_enc")},
        {"party_org": "party_org_id", "organization": "organization_id"},
        {"name": EXAMPLE_MARK + "张三", "id_number": _EX_ID, "gender": "男", "birth_date": "1986-05-12",
         "ethnicity": "汉族", "education": "本科", "phone": "13900139000", "status": "正式党员",
         "applied_on": "2008-03-01", "activist_on": "2008-09-01", "candidate_on": "2009-06-01",
         "probationary_on": "2009-07-01", "full_on": "2010-07-01",
         "party_org": "长沙某某科技有限公司党支部", "organization": _EX_CODE, "position": "委员",
         "mobile": "否", "mobile_counterpart": "", "transfer_rule": "无需转接", "transfer_state": "—",
         "lost_contact": "否", "points": 12},
    ),
}
ALIASES = {"party-orgs": "party_orgs", "partyorgs": "party_orgs", "orgs": "organizations"}
GUIDES = {
    "organizations": "按统一社会信用代码识别组织（未填写时按名称）。",
    "party_orgs": "按党组织名称识别。",
    "members": "按身份证号识别党员。",
}


def _registry_snapshot(obj: Any) -> dict[str, Any] | None:
    from core.registry.extensions import snapshot

    return snapshot(obj) if isinstance(obj, (Organization, PartyOrg, Member)) else None


def kinds_for(tenant_id: int) -> dict[str, ImportKind]:
    """The import kinds of a tenant: the registry's and those of the plugins it enabled
    (``register_import_kinds``), in plugin order."""
    from core.plugins import registry
    from core.tenancy import tree

    tenant = tree().by_id.get(tenant_id)
    if tenant is None:
        return {}
    kinds: dict[str, ImportKind] = {}
    for _plugin, found in registry().each_for(tenant_id, "register_import_kinds", tenant=tenant):
        for kind in found or ():
            kinds.setdefault(kind.slug, kind)
    return kinds


def limited(perms: Iterable[str]) -> bool:
    """Does this user import only the rows of their own organizations (an org secretary:
    ``registry:write_own`` without ``registry:write``)? Street staff, admins and instructors
    act on the whole tenant."""
    from core.registry.scope import org_secretary

    return org_secretary(perms)


def usable(kind: ImportKind, perms: Iterable[str]) -> bool:
    """May a user with ``perms`` import ``kind``: its permission, and — for a limited user —
    a kind that keeps them to their own rows."""
    perms = frozenset(perms)
    return kind.permission in perms and (kind.scoped or not limited(perms))


def kinds_for_user(tenant_id: int, perms: Iterable[str]) -> dict[str, ImportKind]:
    """The kinds of the tenant this user may import (the import pages list only these)."""
    perms = frozenset(perms)
    return {slug: k for slug, k in kinds_for(tenant_id).items() if usable(k, perms)}


def get_entity(slug: str, tenant_id: int | None = None) -> ImportKind | None:
    """The kind ``slug`` (an alias too) of the tenant; without a tenant, the registry's own."""
    slug = ALIASES.get(slug, slug)
    if tenant_id is None:
        return ENTITIES.get(slug)
    return kinds_for(tenant_id).get(slug)


def column_help(entity: ImportKind, spec: FieldSpec) -> str:
    """What a column accepts, in Chinese (template instructions)."""
    if spec.key in REF_HELP:
        return REF_HELP[spec.key]
    if spec.key == "covers":
        return spec.help
    if spec.kind == "choice":
        return "可选：" + "、".join(str(v) for v in spec.choices.values())
    if spec.kind == "bool":
        return "填写“是”或“否”"
    if spec.kind == "date":
        return "日期，例如 2024-03-01"
    if spec.kind == "int":
        rng = []
        if spec.min is not None:
            rng.append(f"不小于 {spec.min}")
        if spec.max is not None:
            rng.append(f"不大于 {spec.max}")
        return "整数" + ("，" + "，".join(rng) if rng else "")
    if spec.kind == "credit_code":
        return "18 位统一社会信用代码（含校验位），用于识别组织；请保持文本格式"
    if spec.kind == "id_number":
        return "18 位身份证号（导入时必填，用于识别党员）；请保持文本格式"
    if spec.kind == "mobile":
        return "11 位手机号"
    return spec.help or f"文本，最多 {spec.max_length} 个字符"


# --- the template ------------------------------------------------------------------------------

TEMPLATE_ROWS = 5000  # rows that carry the drop-down lists


def template_bytes(entity: ImportKind) -> bytes:
    """The downloadable template: Chinese headers, an example row, drop-down lists, help."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = entity.label
    options = wb.create_sheet("选项")
    guide = wb.create_sheet("填写说明")
    header_font = Font(bold=True, color="FFFFFF")
    required_fill = PatternFill("solid", fgColor="B71C1C")
    optional_fill = PatternFill("solid", fgColor="6B7280")
    example_font = Font(italic=True, color="808080")
    required = set(entity.required_columns)
    option_col = 0
    for index, spec in enumerate(entity.fields, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=spec.label)
        cell.font = header_font
        cell.fill = required_fill if (spec.required or spec.key in required) else optional_fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(column_help(entity, spec), "联动")
        ws.column_dimensions[letter].width = max(12, min(40, len(spec.label) * 2 + 6))
        if spec.kind in ("credit_code", "id_number", "mobile", "str", "text", "ref", "choice"):
            ws.column_dimensions[letter].number_format = "@"
        elif spec.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        example = entity.example.get(spec.key, "")
        ex = ws.cell(row=2, column=index, value=example)
        ex.font = example_font
        if spec.kind in ("choice", "bool"):
            labels = ["是", "否"] if spec.kind == "bool" else [str(v) for v in spec.choices.values()]
            option_col += 1
            opt_letter = get_column_letter(option_col)
            options.cell(row=1, column=option_col, value=spec.label)
            for r, label in enumerate(labels, start=2):
                options.cell(row=r, column=option_col, value=label)
            dv = DataValidation(
                type="list",
                formula1=f"'选项'!${opt_letter}$2:${opt_letter}${len(labels) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="无效的选项",
                error="请从下拉列表中选择",
            )
            dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    options.sheet_state = "hidden"

    guide.append(["列名", "是否必填", "填写要求"])
    for c in guide[1]:
        c.font = Font(bold=True)
    for spec in entity.fields:
        must = spec.required or spec.key in required
        guide.append([spec.label, "必填" if must else "选填", column_help(entity, spec)])
    guide.append([])
    guide.append([f"第 2 行是示例（名称以“{EXAMPLE_MARK}”开头），导入时自动跳过，可以保留或删除。"])
    if entity.all_or_nothing:
        guide.append(["先“检查文件”查看逐行问题，确认无误后再“确认导入”：整表导入，有一行错误则不写入任何数据。"
                      "列名不必与模板相同，检查时可核对每一列的对应。"])
    else:
        guide.append(["先“检查文件”查看逐行问题，确认无误后再“确认导入”：要么全部导入，要么只导入正确的行"
                      "（有错误的行可下载，改好后再导入）。列名不必与模板相同，检查时可核对每一列的对应。"])
    guide.append(["重复导入同一文件不会产生重复数据：" + (entity.guide or GUIDES.get(entity.slug, ""))])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- reading rows ------------------------------------------------------------------------------


class FileProblem(ValueError):
    """The file as a whole cannot be imported (no header, too many rows…)."""


@dataclass
class Table:
    header_row: int
    headers: list[Any]
    rows: Iterator[tuple[int, Sequence[Any]]]
    total_hint: int | None
    close: Callable[[], None] = lambda: None


def _find_header(rows: list[tuple[int, Sequence[Any]]], known: set[str]) -> tuple[int, list[Any]]:
    """The header row: the first of the top rows naming two known columns (or the one naming
    most). ``known`` holds compared forms (:func:`core.registry.synonyms.header_key`)."""
    best: tuple[int, int, list[Any]] | None = None
    for rownum, values in rows:
        hits = sum(1 for v in values if v is not None and synonyms.header_key(v) in known)
        if hits and (best is None or hits > best[0]):
            best = (hits, rownum, list(values))
        if hits >= 2:
            break
    if best is None:
        raise FileProblem("未找到表头：前 10 行中没有一行包含可识别的列名；请使用下载的模板，或把列名放在数据上方的一行")
    return best[1], best[2]


def _trim(values: Sequence[Any]) -> list[Any]:
    out = list(values)
    while out and (out[-1] is None or (isinstance(out[-1], str) and not out[-1].strip())):
        out.pop()
    return out


def open_table(content: bytes, kind: str, encoding: str, known: set[str]) -> Table:
    """The header row and a stream of the rows below it; ``known``: header texts (labels,
    keys, synonyms) that identify the header row."""
    known = {synonyms.header_key(k) for k in known}
    if kind == "xlsx":
        return _open_xlsx(content, known)
    return _open_csv(content, encoding, known)


def _open_xlsx(content: bytes, known: set[str]) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 — any parser failure is the file's fault
        log.info("unreadable workbook: %s", exc)
        raise FileProblem("无法读取 Excel 文件，文件可能已损坏；请用 Excel 重新保存为 .xlsx 后再上传") from None
    try:
        sheets = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"] or wb.worksheets
        found = None
        for ws in sheets:
            head = [(i, _trim(r)) for i, r in enumerate(
                ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, max_col=MAX_HEADER_COLUMNS, values_only=True),
                start=1)]
            try:
                found = (ws, *_find_header(head, known))
                break
            except FileProblem:
                continue
        if found is None:
            _find_header([], known)  # raises the "no header" problem
    except FileProblem:
        wb.close()
        raise
    except Exception as exc:  # noqa: BLE001
        wb.close()
        log.info("unreadable workbook: %s", exc)
        raise FileProblem("无法读取 Excel 文件，文件可能已损坏；请用 Excel 重新保存为 .xlsx 后再上传") from None
    ws, header_row, headers = found
    hint = ws.max_row - header_row if ws.max_row else None
    ws.reset_dimensions()  # never trust a stored dimension to bound the rows
    width = max(1, len(headers))

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        for i, values in enumerate(ws.iter_rows(min_row=header_row + 1, max_col=width, values_only=True),
                                   start=header_row + 1):
            yield i, values

    return Table(header_row, headers, rows(), hint, wb.close)


def _open_csv(content: bytes, encoding: str, known: set[str]) -> Table:
    stream = io.TextIOWrapper(io.BytesIO(content), encoding=encoding or "utf-8-sig", newline="")
    first = stream.readline()
    stream.seek(0)
    delimiter = "\t" if first.count("\t") > first.count(",") else (";" if first.count(";") > first.count(",") else ",")
    reader = csv.reader(stream, delimiter=delimiter)
    head: list[tuple[int, Sequence[Any]]] = []
    try:
        for i, values in enumerate(reader, start=1):
            head.append((i, _trim(values)))
            if i >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        raise FileProblem("CSV 文件格式有误（引号不匹配或单元格过长），请用 Excel 重新保存后再上传") from None
    header_row, headers = _find_header(head, known)
    hint = max(0, content.count(b"\n") + (0 if content.endswith(b"\n") else 1) - header_row)

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        for rownum, values in head:
            if rownum > header_row:
                yield rownum, values
        number = len(head)
        try:
            for values in reader:
                number += 1
                yield number, values
        except csv.Error:
            raise FileProblem(f"CSV 文件第 {number + 1} 行格式有误（引号不匹配或单元格过长）") from None

    return Table(header_row, headers, rows(), hint, stream.close)


# --- cell values -------------------------------------------------------------------------------


class _NumericId(str):
    """An ID/credit-code cell that Excel stored as a number (digits lost)."""


def _cell(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return value if spec.kind == "bool" else ("是" if value else "否")
    if isinstance(value, dt.datetime):
        if spec.kind == "date":
            return value.date()
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value if spec.kind == "date" else value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (int, float)):
        if spec.kind in ("credit_code", "id_number"):
            if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
                return str(int(value))
            return _NumericId(repr(value))
        if spec.kind == "date" and 1 <= value < 2_958_466:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(value).date()
            except (ValueError, OverflowError):
                return str(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- the report --------------------------------------------------------------------------------


@dataclass
class Report:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    skipped: int = 0
    problems: list[list[Any]] = field(default_factory=list)
    more_problems: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    message: str = ""
    #: the file's headers, the mapping used and where it came from, sample values per column
    columns: dict[str, Any] | None = None
    #: the error workbook of a valid-rows import
    error_file: bytes | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.message)

    def add_problem(self, row: int, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append([row, column, message])
        else:
            self.more_problems += 1


def _strip_label(label: str, message: str) -> str:
    for sep in ("：", ":"):
        prefix = label + sep
        if label and message.startswith(prefix):
            return message[len(prefix):].strip()
    return message


# --- one pass over a file ----------------------------------------------------------------------


@dataclass
class _Row:
    rownum: int
    raw: dict[str, Any]
    values: dict[str, Any]
    errors: dict[str, str]
    key: Any = None
    cells: Sequence[Any] = ()


def _sample_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return str(value).strip()[:40]


class ImportRun:
    """Check (``commit=False``) or import (``commit=True``) the rows of one table.

    ``mapping`` (field key per column, "" = not imported) is the user's; without it the
    tenant's last mapping for the same headers is used, else one is proposed
    (:mod:`core.registry.mapping`). ``valid_only``: an import writes the valid rows and
    returns the others as an error workbook (``report.error_file``) instead of writing
    nothing.
    """

    def __init__(self, session: Session, entity: ImportKind, *, commit: bool,
                 progress: Callable[[int, int | None], None] | None = None,
                 mapping: Sequence[str] | None = None, valid_only: bool = False,
                 user_id: int | None = None, perms: Iterable[str] | None = None):
        self.session = session
        self.entity = entity
        self.commit = commit
        self.valid_only = valid_only and not entity.all_or_nothing
        #: who imports, with which permissions in the tenant (``None``: not a user's run)
        self.user_id = user_id
        self.perms = frozenset(perms) if perms is not None else None
        self._own: tuple[frozenset[int], frozenset[int], str] | None = None
        self.chosen = list(mapping) if mapping is not None else None
        self.progress = progress or (lambda n, total: None)
        self.report = Report()
        self.present: set[str] = set()
        self.columns: list[tuple[int, FieldSpec]] = []
        self.headers: list[Any] = []
        #: field key → the file's header of its column (problems name the user's column)
        self.header_of: dict[str, str] = {}
        #: rows not imported by a valid-rows import: (row number, cells, errors)
        self.bad_rows: list[tuple[int, Sequence[Any], dict[str, str]]] = []
        #: (record, snapshot before) of the registry rows this batch writes, for ``on_registry_changed``
        self.changes: list[tuple[Any, dict[str, Any] | None]] = []
        #: party orgs: names of rows with errors → their row number
        self.bad_names: dict[str, int] = {}
        self.seen: dict[Any, int] = {}
        self.ref_cache: dict[tuple[str, str], tuple[int | None, str | None]] = {}
        self.processed = 0
        self.total_hint: int | None = None
        # party orgs: name → node (db id, or ("row", n) while checking); node → parent node
        self.file_names: dict[str, Any] = {}
        self.parents: dict[Any, Any] | None = None
        self.touched: list[tuple[int, Any, str]] = []  # (row, node, outcome)

    # -- headers --
    def choose_mapping(self, headers: list[Any], sample: list[Sequence[Any]]) -> list[str]:
        """The mapping to use, recorded in ``report.columns`` for the mapping step."""
        keys = {spec.key for spec in self.entity.fields}
        source = "chosen"
        mapping = self.chosen if self.chosen is not None and len(self.chosen) == len(headers) else None
        if mapping is None:
            source = "remembered"
            mapping = column_mapping.remembered(self.session, self.entity.slug, headers)
        if mapping is None or any(k and k not in keys for k in mapping):
            source = "proposed"
            mapping = column_mapping.propose(self.entity.fields, headers, sample, _cell)
        samples = [[_sample_text(row[i]) for row in sample[:SAMPLE_VALUES] if i < len(row)]
                   for i in range(len(headers))]
        self.report.columns = {"headers": ["" if h is None else str(h).strip() for h in headers], "mapping": list(mapping),
                               "source": source, "samples": samples}
        return list(mapping)

    def map_headers(self, headers: list[Any], mapping: Sequence[str] | None = None) -> None:
        """Take the columns of ``mapping`` (default: proposed from the headers alone)."""
        if mapping is None:
            mapping = column_mapping.propose(self.entity.fields, headers, [], _cell)
        self.headers = list(headers)
        by_key = {spec.key: spec for spec in self.entity.fields}
        used: dict[str, str] = {}
        duplicates = []
        for index, header in enumerate(headers):
            text = "" if header is None else str(header).strip()
            key = mapping[index] if index < len(mapping) else ""
            spec = by_key.get(key) if key else None
            if spec is None:
                if text:
                    self.report.ignored_columns.append(text)
                continue
            if spec.key in used:
                duplicates.append(spec.label)
                continue
            used[spec.key] = text or spec.label
            self.columns.append((index, spec))
        self.present = set(used)
        self.header_of = used
        if duplicates:
            raise FileProblem("多个列对应了同一项：" + "、".join(duplicates) + "；请在“核对列的对应”中修改")
        missing = [self.entity.label_of(k) for k in self.entity.required_columns if k not in self.present]
        if missing:
            raise FileProblem("没有找到必填的列：" + "、".join(missing)
                              + "；请在“核对列的对应”中为它们选择文件中的列，或使用下载的模板")

    # -- the pass --
    def execute(self, table: Table) -> Report:
        self.total_hint = table.total_hint
        try:
            sample = list(islice(table.rows, SAMPLE_ROWS))
            mapping = self.choose_mapping(table.headers, [values for _n, values in sample])
            self.map_headers(table.headers, mapping)
            batch: list[tuple[int, dict[str, Any], Sequence[Any]]] = []
            for rownum, values in chain(sample, table.rows):
                if rownum - table.header_row > MAX_ROWS:
                    raise FileProblem(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入")
                raw = {}
                for index, spec in self.columns:
                    value = values[index] if index < len(values) else None
                    raw[spec.key] = _cell(spec, value)
                if all(_blank(v) for v in raw.values()):
                    continue
                name = raw.get("name")
                if isinstance(name, str) and name.startswith(EXAMPLE_MARK) or column_mapping.is_total_row(values):
                    self.report.skipped += 1
                    continue
                batch.append((rownum, raw, values))
                if len(batch) >= BATCH:
                    self._batch(batch)
                    batch = []
            if batch:
                self._batch(batch)
            self._finish()
            if self.bad_rows and not self.report.message:
                self.report.error_file = self.error_workbook()
        except FileProblem as exc:
            self.report.message = str(exc)
        self.progress(self.processed, self.processed)
        return self.report

    @property
    def writing(self) -> bool:
        """Write rows? Only when importing and nothing failed yet (a failed import only checks on);
        a valid-rows import writes every valid row unless the file as a whole failed."""
        if self.valid_only:
            return self.commit and not self.report.message
        return self.commit and not self.report.has_errors

    def column_name(self, key: str) -> str:
        """The Chinese name of a field's column: the file's own header, else the field's label."""
        return self.header_of.get(key) or self.entity.label_of(key) if key else ""

    def _problem(self, row: _Row | int, key: str, message: str) -> None:
        column = self.column_name(key)
        rownum = row.rownum if isinstance(row, _Row) else row
        self.report.add_problem(rownum, column, self.message_text(key, message))

    def message_text(self, key: str, message: str) -> str:
        """A row error as the user reads it: without the column's name in front (the report
        shows it), and never an internal key (``activist_on``) — the column's Chinese name."""
        text = _strip_label(self.column_name(key), _strip_label(self.entity.label_of(key), message))
        if "_" in text:
            for spec in self.entity.fields:
                if "_" in spec.key and spec.key in text:
                    text = text.replace(spec.key, self.column_name(spec.key))
        return text

    def _batch(self, items: list[tuple[int, dict[str, Any], Sequence[Any]]]) -> None:
        rows = []
        for rownum, raw, cells in items:
            values, errors = self.entity.cleaner(raw)
            self._extra_references(values, errors)
            for key, value in raw.items():
                if isinstance(value, _NumericId):
                    errors[key] = (f"{self.entity.label_of(key)}：被 Excel 存成了数字，后几位已丢失；"
                                   "请把该列设为“文本”格式后重新填写")
            rows.append(_Row(rownum, raw, values, errors, cells=cells))
        if self.entity.batch is not None:
            self.entity.batch(self, rows)
        else:
            getattr(self, f"_batch_{self.entity.slug}")(rows)
        for row in rows:
            if row.errors:
                self.report.errors += 1
                for key, message in row.errors.items():
                    self._problem(row, key, message)
                if self.valid_only and self.commit:
                    self.bad_rows.append((row.rownum, row.cells, dict(row.errors)))
        self.report.total += len(rows)
        self.processed += len(rows)
        if self.writing:
            self._flush()
            self._report_changes()
        self.session.expunge_all()
        self.progress(self.processed, self.total_hint)

    def error_workbook(self) -> bytes:
        """The rows not imported: the file's columns as they were, plus 错误说明; bad cells red."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        from core.excel import neutralise

        wb = Workbook(write_only=True)
        ws = wb.create_sheet((self.entity.label + "（未导入的行）")[:31])
        bold, red = Font(bold=True), PatternFill("solid", fgColor="FFC7CE")
        width = len(self.headers)
        index_of = {spec.key: index for index, spec in self.columns}
        head = []
        for text in [*self.headers, ERROR_COLUMN]:
            cell = WriteOnlyCell(ws, value=neutralise(text))
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for _rownum, cells, errors in self.bad_rows:
            bad = {index_of[k] for k in errors if k in index_of}
            out = []
            for index in range(width):
                value = cells[index] if index < len(cells) else None
                cell = WriteOnlyCell(ws, value=neutralise(value))
                if index in bad:
                    cell.fill = red
                out.append(cell)
            note = "；".join(f"{self.column_name(k) or '本行'}：{self.message_text(k, m)}" for k, m in errors.items())
            out.append(WriteOnlyCell(ws, value=neutralise(note)))
            ws.append(out)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    def _flush(self) -> None:
        self.session.flush()
        for _ in range(3):  # audit entries are added after a flush; write them too
            if not self.session.new:
                break
            self.session.flush()

    # -- for the batch functions of import kinds --
    @property
    def limited(self) -> bool:
        """The user imports only the rows of their own organizations (an org secretary)."""
        return self.perms is not None and limited(self.perms)

    def _own_scope(self) -> tuple[frozenset[int], frozenset[int], str]:
        if self._own is None:
            from core.registry.models import UserOrganization

            orgs = frozenset(self.session.scalars(select(UserOrganization.organization_id)
                                                  .where(UserOrganization.user_id == self.user_id)))
            party_orgs = frozenset(self.session.scalars(select(PartyOrgCoverage.party_org_id).where(
                PartyOrgCoverage.organization_id.in_(orgs or {-1}))))
            names = list(self.session.scalars(select(Organization.name).where(Organization.id.in_(orgs or {-1}))
                                              .order_by(Organization.name).limit(3)))
            label = "、".join(names[:2]) + (" 等" if len(names) > 2 else "")
            self._own = (orgs, party_orgs, label)
        return self._own

    def own_organizations(self) -> frozenset[int]:
        """A limited user's organizations (linked to their account)."""
        return self._own_scope()[0]

    def own_party_orgs(self) -> frozenset[int]:
        """The party orgs covering a limited user's organizations."""
        return self._own_scope()[1]

    def outside(self, row: _Row, key: str, what: str) -> None:
        """Refuse ``row`` as outside the limited user's scope, saying whose rows they may import
        (``what``: "党员的党费", "党组织的记录" …)."""
        label = self._own_scope()[2]
        own = f"本组织（{label}）" if label else "本组织（您的账号尚未关联组织）"
        row.errors[key] = f"超出您的管理范围：只能导入{own}{what}"

    def duplicate(self, row: _Row, key: Any, column: str) -> bool:
        """Is ``key`` already in an earlier row of the file? (then an error on ``column``)"""
        return self._dup(row, key, column)

    def reference(self, kind: str, value: str) -> tuple[int | None, str | None]:
        """(id, problem) of an ``organization`` or ``party_org`` named by code, id or name (cached)."""
        return self._ref(kind, value)

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """A lookup cached for the whole run (references to other records)."""
        hit = self.ref_cache.get(key)
        if hit is None:
            hit = self.ref_cache[key] = compute()
        return hit

    def upsert(self, row: _Row, existing: Any | None, *, also_changed: bool = False) -> tuple[str, Any]:
        """Count (and when writing, create or update) a valid row: ("created" | "updated" |
        "unchanged", the object — None when a check creates it). ``also_changed``: the row
        changes something besides the record's own columns (links), so it is not unchanged."""
        outcome, obj = self._apply(row, existing)
        if outcome != "created":
            outcome = self._count(outcome, also_changed)
        return outcome, obj

    def _dup(self, row: _Row, key: Any, column: str) -> bool:
        first = self.seen.get(key)
        if first is not None:
            row.errors.setdefault(column, f"{self.entity.label_of(column)}：与第 {first} 行重复")
            return True
        self.seen[key] = row.rownum
        return False

    def _ref(self, kind: str, value: str) -> tuple[int | None, str | None]:
        cache_key = (kind, value)
        hit = self.ref_cache.get(cache_key)
        if hit is None:
            resolver = resolve_party_org if kind == "party_org" else resolve_organization
            hit = resolver(self.session, value)
            if len(self.ref_cache) > 50_000:
                self.ref_cache.clear()
            self.ref_cache[cache_key] = hit
        return hit

    def _update_keys(self) -> list[str | tuple[str, str]]:
        keys: list[str | tuple[str, str]] = []
        for key in self.present:
            if key in self.entity.secret_pairs:
                keys.append(self.entity.secret_pairs[key])
            elif key in self.entity.refs:
                keys.append(self.entity.refs[key])
            elif key in ("covers", "id_number") or key in self.entity.extra_keys:
                continue
            else:
                keys.append(key)
        return keys

    def _diff(self, obj: Any, values: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for key in self._update_keys():
            if isinstance(key, tuple):
                hash_key, enc_key = key
                if hash_key in values and getattr(obj, hash_key) != values[hash_key]:
                    changes[hash_key] = values[hash_key]
                    changes[enc_key] = values.get(enc_key)
            elif key in values and getattr(obj, key) != values[key]:
                changes[key] = values[key]
        return changes

    def _report_changes(self) -> None:
        """``on_registry_changed`` for each organization, party org or member the batch wrote."""
        from core.registry.extensions import changed

        entity = {"organizations": "organization", "party_orgs": "party_org", "members": "member"}.get(
            self.entity.slug)
        pending, self.changes = self.changes, []
        if entity is None:
            return
        for row, before in pending:
            changed(self.session, entity, row, before)
        self._flush()

    def _extra_references(self, values: dict[str, Any], errors: dict[str, str]) -> None:
        """Reference extra fields: the name / code / id of the cell → the row's id (cached)."""
        from core.registry.extensions import EXTRA_PREFIX, resolve_reference

        for f in self.entity.extra_fields:
            key = EXTRA_PREFIX + f.key
            if f.type != "reference" or not values.get(key) or key in errors:
                continue
            found, problem = self.cached(("extra_ref", f.reference, str(values[key])),
                                         lambda f=f, v=str(values[key]): resolve_reference(self.session, f.reference, v))
            if problem:
                errors[key] = f"{f.label}：{problem}"
            else:
                values[key] = found

    def _extra_value(self, values: dict[str, Any], obj: Any | None) -> dict[str, Any] | None:
        """The record's new ``extra``: the stored one with the file's columns over it (None:
        the file has none of the tenant's extra columns and the record exists)."""
        from core.registry.extensions import EXTRA_PREFIX

        present = [f for f in self.entity.extra_fields if EXTRA_PREFIX + f.key in self.present]
        if not present and obj is not None:
            return None
        out = dict(getattr(obj, "extra", None) or {}) if obj is not None else {}
        for f in present:
            value = values.get(EXTRA_PREFIX + f.key)
            if value in (None, "") or (f.type == "bool" and value is False):
                out.pop(f.key, None)
            else:
                out[f.key] = value
        return out

    def _model_values(self, values: dict[str, Any]) -> dict[str, Any]:
        skip = {"covers", *self.entity.extra_keys}
        out = {k: v for k, v in values.items() if k not in self.entity.refs and k not in skip}
        for key, default in _not_null_defaults(self.entity.model).items():
            if key in out and out[key] is None:  # an empty cell of a NOT NULL column
                out[key] = default
        return out

    def _apply(self, row: _Row, obj: Any | None) -> tuple[str, Any]:
        """Count (and in commit mode write) one valid row; returns (outcome, object)."""
        values = self._model_values(row.values)
        extra = self._extra_value(row.values, obj) if self.entity.extra_fields else None
        if obj is None:
            if extra is not None:
                values["extra"] = extra
            self.report.created += 1
            if self.writing:
                obj = self.entity.model(**values)
                self.session.add(obj)
                self.changes.append((obj, None))
            return "created", obj
        changes = self._diff(obj, values)
        if extra is not None and extra != (obj.extra or {}):
            changes["extra"] = extra
        if not changes:
            return "unchanged", obj
        if self.writing:
            self.changes.append((obj, _registry_snapshot(obj)))
            for key, value in changes.items():
                setattr(obj, key, value)
        return "updated", obj

    def _count(self, outcome: str, extra_change: bool = False) -> str:
        if outcome == "unchanged" and extra_change:
            outcome = "updated"
        if outcome == "updated":
            self.report.updated += 1
        elif outcome == "unchanged":
            self.report.unchanged += 1
        return outcome

    # -- organizations --
    def _batch_organizations(self, rows: list[_Row]) -> None:
        codes, names = set(), set()
        for row in rows:
            if "name" in row.errors or "credit_code" in row.errors:
                continue
            code = row.values.get("credit_code")
            if code:
                row.key = ("code", code)
                if not self._dup(row, row.key, "credit_code"):
                    codes.add(code)
            else:
                row.key = ("name", row.values["name"])
                if not self._dup(row, row.key, "name"):
                    names.add(row.values["name"])
        by_code = {}
        if codes:
            by_code = {o.credit_code: o for o in self.session.scalars(
                select(Organization).where(Organization.credit_code.in_(codes)))}
        by_name: dict[str, list[Organization]] = {}
        if names:
            for o in self.session.scalars(select(Organization).where(Organization.name.in_(names))):
                by_name.setdefault(o.name, []).append(o)
        for row in rows:
            if row.errors or row.key is None:
                continue
            kind, value = row.key
            if kind == "code":
                obj = by_code.get(value)
            else:
                candidates = by_name.get(value, [])
                without_code = [o for o in candidates if not o.credit_code]
                if len(without_code) > 1:
                    row.errors["name"] = f"组织名称：系统中有多个名为「{value}」且未登记信用代码的组织，请填写统一社会信用代码"
                    continue
                if not without_code and candidates:
                    row.errors["credit_code"] = (f"统一社会信用代码：系统中已有名为「{value}」的组织"
                                                 f"（已登记信用代码），请填写其统一社会信用代码")
                    continue
                obj = without_code[0] if without_code else None
            if obj is None:
                self._apply(row, None)
            else:
                outcome, _ = self._apply(row, obj)
                self._count(outcome)

    # -- members --
    def _batch_members(self, rows: list[_Row]) -> None:
        hashes = set()
        for row in rows:
            id_hash = row.values.get("id_number_hash")
            if not id_hash:
                if "id_number" not in row.errors:
                    row.errors["id_number"] = "身份证号：导入时必填，用于识别党员、避免重复导入"
                continue
            row.key = id_hash
            if not self._dup(row, id_hash[:24], "id_number"):
                hashes.add(id_hash)
        existing = {}
        if hashes:
            existing = {m.id_number_hash: m for m in self.session.scalars(
                select(Member).where(Member.id_number_hash.in_(hashes)))}
        for row in rows:
            for raw_key, id_key in self.entity.refs.items():
                value = row.values.get(raw_key)
                if raw_key not in self.present:
                    continue
                if not value:
                    row.values[id_key] = None
                    continue
                found, problem = self._ref(raw_key, str(value))
                if problem:
                    row.errors.setdefault(raw_key, f"{self.entity.label_of(raw_key)}：{problem}")
                row.values[id_key] = found
            if row.errors or row.key is None:
                continue
            obj = existing.get(row.key)
            if obj is None:
                self._apply(row, None)
            else:
                self._count(self._apply(row, obj)[0])

    # -- party orgs --
    def _load_tree(self) -> None:
        if self.parents is None:
            self.parents = dict(self.session.execute(select(PartyOrg.id, PartyOrg.parent_id)).all())

    def _batch_party_orgs(self, rows: list[_Row]) -> None:
        self._load_tree()
        names = set()
        for row in rows:
            if "name" in row.errors:
                continue
            row.key = row.values["name"]
            if not self._dup(row, row.key, "name"):
                names.add(row.key)
        existing: dict[str, list[PartyOrg]] = {}
        if names:
            for p in self.session.scalars(select(PartyOrg).where(PartyOrg.name.in_(names))):
                existing.setdefault(p.name, []).append(p)
        coverage: dict[int, set[int]] = {}
        if "covers" in self.present:
            ids = [p.id for group in existing.values() for p in group]
            if ids:
                for po_id, org_id in self.session.execute(
                        select(PartyOrgCoverage.party_org_id, PartyOrgCoverage.organization_id)
                        .where(PartyOrgCoverage.party_org_id.in_(ids))):
                    coverage.setdefault(po_id, set()).add(org_id)
        for row in rows:
            name = row.key
            matches = existing.get(name, []) if name else []
            if len(matches) > 1:
                row.errors.setdefault("name", f"党组织名称：系统中有多个名为「{name}」的党组织，无法确定要更新哪一个")
            obj = matches[0] if len(matches) == 1 else None
            # parent
            parent_node = None
            if "parent" in self.present:
                parent_name = row.values.get("parent")
                if parent_name:
                    parent_name = str(parent_name).strip()
                    if name and parent_name == name:
                        row.errors.setdefault("parent", "上级党组织：不能是本党组织自己")
                    elif parent_name in self.bad_names and parent_name not in self.file_names:
                        row.errors.setdefault("parent", f"上级党组织：「{parent_name}」所在的第 "
                                                        f"{self.bad_names[parent_name]} 行有错误，请一并修改")
                    elif parent_name in self.file_names:
                        parent_node = self.file_names[parent_name]
                    else:
                        found, problem = self._ref("party_org", parent_name)
                        if problem:
                            hint = "（须已在系统中，或在本文件中位于本行之前）" if problem.startswith("找不到") else ""
                            row.errors.setdefault("parent", f"上级党组织：{problem}{hint}")
                        parent_node = found
            # covered organizations
            covers: set[int] | None = None
            if "covers" in self.present:
                covers = set()
                for part in split_list(row.raw.get("covers")):
                    found, problem = self._ref("organization", part)
                    if problem:
                        row.errors.setdefault("covers", f"覆盖组织：{problem}")
                    elif found:
                        covers.add(found)
            if name and not row.errors:
                node = obj.id if obj is not None else ("row", row.rownum)
                self.file_names.setdefault(name, node)
            elif name and "name" not in row.errors and obj is None:
                self.bad_names.setdefault(name, row.rownum)
            if row.errors or name is None:
                continue
            writing = self.writing
            if writing and isinstance(parent_node, tuple):  # pragma: no cover - nodes are ids when writing
                raise RuntimeError("unresolved parent")
            row.values["parent_id"] = parent_node
            outcome, obj_after = self._apply(row, obj)
            if writing and outcome == "created":
                self.session.flush()
                node = obj_after.id
                self.file_names[name] = node
            else:
                node = obj.id if obj is not None else ("row", row.rownum)
            if "parent" in self.present:
                self.parents[node] = parent_node
            elif node not in self.parents:
                self.parents[node] = None
            cover_changed = False
            if covers is not None:
                current = coverage.get(obj.id, set()) if obj is not None else set()
                cover_changed = current != covers
                if writing and cover_changed:
                    po_id = obj_after.id
                    for org_id in covers - current:
                        self.session.add(PartyOrgCoverage(party_org_id=po_id, organization_id=org_id))
                    if current - covers:
                        for link in self.session.scalars(select(PartyOrgCoverage).where(
                                PartyOrgCoverage.party_org_id == po_id,
                                PartyOrgCoverage.organization_id.in_(current - covers))):
                            self.session.delete(link)
                    self._record_coverage(po_id, name, covers - current, current - covers)
            if outcome != "created":
                outcome = self._count(outcome, cover_changed)
            self.touched.append((row.rownum, node, outcome))

    def _record_coverage(self, po_id: int, po_name: str, added: set[int], removed: set[int]) -> None:
        """Coverage changed by an import shows in the histories of the party org and of each
        organization, as when it is changed on the party org's page."""
        names = dict(self.session.execute(select(Organization.id, Organization.name)
                                          .where(Organization.id.in_(added | removed))).all())
        for org_id in sorted(added, key=lambda i: names.get(i, "")):
            record(self.session, "party_orgs.cover", entity="party_orgs", entity_id=po_id,
                   summary=f"新增覆盖组织：{names.get(org_id, org_id)}（台账导入）", after={"organization_id": org_id})
            record(self.session, "organizations.covered", entity="organizations", entity_id=org_id,
                   summary=f"纳入「{po_name}」覆盖（台账导入）", after={"party_org_id": po_id})
        for org_id in sorted(removed, key=lambda i: names.get(i, "")):
            record(self.session, "party_orgs.uncover", entity="party_orgs", entity_id=po_id,
                   summary=f"移除覆盖组织：{names.get(org_id, org_id)}（台账导入）", before={"organization_id": org_id})
            record(self.session, "organizations.uncovered", entity="organizations", entity_id=org_id,
                   summary=f"移出「{po_name}」覆盖（台账导入）", before={"party_org_id": po_id})

    def _finish(self) -> None:
        if self.entity.slug != "party_orgs" or not self.touched or self.parents is None:
            return
        for rownum, node, outcome in self.touched:
            seen = {node}
            current = self.parents.get(node)
            while current is not None and len(seen) < 100_000:
                if current == node:
                    if self.valid_only and self.commit:
                        self.report.message = ("上级党组织设置后会形成循环，未写入任何数据；"
                                               "请按问题清单修改后重新检查")
                    self.report.errors += 1
                    self._problem(rownum, "parent", "上级党组织：设置后会形成循环（上级的上级指回了本党组织）")
                    if outcome == "created":
                        self.report.created -= 1
                    elif outcome == "updated":
                        self.report.updated -= 1
                    else:
                        self.report.unchanged -= 1
                    break
                if current in seen:  # a loop above this row, reported on its own rows
                    break
                seen.add(current)
                current = self.parents.get(current)


_DEFAULTS: dict[type, dict[str, Any]] = {}


def _not_null_defaults(model: type) -> dict[str, Any]:
    found = _DEFAULTS.get(model)
    if found is None:
        found = {}
        for column in model.__table__.columns:
            default = column.default
            if not column.nullable and default is not None and getattr(default, "is_scalar", False):
                found[column.key] = default.arg
        _DEFAULTS[model] = found
    return found


def split_list(value: Any) -> list[str]:
    if _blank(value):
        return []
    text = str(value)
    for sep in ("，", "；", ";", "\n", "、", "|"):
        text = text.replace(sep, ",")
    return [p.strip() for p in text.split(",") if p.strip()]


# --- jobs --------------------------------------------------------------------------------------


@contextmanager
def _book(tenant_id: int) -> Iterator[Session]:
    """A short session for the job row: committed at once, not audited."""
    session = open_session(tenant_id)
    session.info["skip_audit"] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def create_job(tenant_id: int, user_id: int | None, username: str, entity: ImportKind, filename: str,
               info, content: bytes, *, state: str = "checking") -> int:
    with _book(tenant_id) as s:
        # uploads never confirmed are not kept for ever
        s.execute(update(ImportJob)
                  .where(ImportJob.created_at < utcnow() - dt.timedelta(days=2), ImportJob.content.is_not(None))
                  .values(content=None))
        job = ImportJob(user_id=user_id, username=username, entity=entity.slug,
                        filename=(filename or "")[:200], file_kind=info.kind, encoding=info.encoding,
                        size=info.size, content=content, state=state)
        s.add(job)
        s.flush()
        return job.id


def claim_for_import(tenant_id: int, job_id: int, *, valid_only: bool = False) -> bool:
    """Atomically move a checked job to ``importing`` (a double click imports once): a clean
    one, or with ``valid_only`` one that has valid rows to write besides its bad ones."""
    with _book(tenant_id) as s:
        ready = [ImportJob.id == job_id, ImportJob.state == "checked", ImportJob.message == "",
                 ImportJob.content.is_not(None)]
        if valid_only:
            ready.append(ImportJob.created_count + ImportJob.updated_count > 0)
        else:
            ready.append(ImportJob.error_count == 0)
        result = s.execute(
            update(ImportJob)
            .where(*ready)
            .values(state="importing", processed_rows=0, updated_at=utcnow(), valid_only=valid_only)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def get_job(session: Session, job_id: int) -> ImportJob | None:
    return session.get(ImportJob, job_id)


def recent_jobs(session: Session, limit: int = 20, *, kinds: Iterable[str] | None = None,
                user_id: int | None = None) -> list[ImportJob]:
    """The tenant's latest jobs; of these ``kinds`` only, of this user only (a limited user)."""
    stmt = select(ImportJob)
    if kinds is not None:
        stmt = stmt.where(ImportJob.entity.in_(list(kinds) or [""]))
    if user_id is not None:
        stmt = stmt.where(ImportJob.user_id == user_id)
    return list(session.scalars(stmt.order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)))


def _set_progress(tenant_id: int, job_id: int, processed: int, total: int | None, *, db_write: bool) -> None:
    _LIVE[job_id] = processed
    if not db_write:
        return
    values: dict[str, Any] = {"processed_rows": processed, "updated_at": utcnow()}
    if total is not None:
        values["total_rows"] = max(total, processed)
    with _book(tenant_id) as s:
        s.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values)
                  .execution_options(synchronize_session=False))


def _save(tenant_id: int, job_id: int, report: Report, state: str, *, clear_content: bool) -> None:
    values: dict[str, Any] = dict(
        state=state, total_rows=report.total, processed_rows=report.total,
        created_count=report.created, updated_count=report.updated, unchanged_count=report.unchanged,
        error_count=report.errors, skipped_count=report.skipped, problems=report.problems,
        more_problems=report.more_problems, ignored_columns=report.ignored_columns,
        message=report.message, finished_at=utcnow(), updated_at=utcnow(),
    )
    if report.columns is not None:
        values["columns"] = report.columns
    if report.error_file is not None:
        values["error_file"] = report.error_file
    if clear_content:
        values["content"] = None
    with _book(tenant_id) as s:
        s.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values)
                  .execution_options(synchronize_session=False))


def execute_job(job_id: int, tenant_id: int, user_id: int | None, username: str, *, commit: bool) -> None:
    """Check or import a stored upload; never raises (a crash marks the job failed)."""
    _LIVE[job_id] = 0
    try:
        _execute(job_id, tenant_id, user_id, username, commit)
    except Exception:  # noqa: BLE001
        log.exception("import job %s failed", job_id)
        report = Report(message="处理文件时出错，未写入任何数据；问题已记录，请稍后重试")
        try:
            _save(tenant_id, job_id, report, "failed" if commit else "checked", clear_content=False)
        except Exception:  # noqa: BLE001
            log.exception("could not record the failure of import job %s", job_id)
    finally:
        _LIVE.pop(job_id, None)


def _execute(job_id: int, tenant_id: int, user_id: int | None, username: str, commit: bool) -> None:
    with _book(tenant_id) as s:
        job = s.get(ImportJob, job_id)
        if job is None:
            return
        entity = get_entity(job.entity, tenant_id)
        content, kind, encoding = job.content, job.file_kind, job.encoding
        checked_total = job.total_rows if commit else None
        columns = job.columns or {}
        # the import uses the mapping its check used; a check, the one the user chose
        chosen = columns.get("mapping") if commit or columns.get("source") == "chosen" else None
        valid_only = bool(job.valid_only) and commit
    if entity is None or content is None:
        _save(tenant_id, job_id, Report(message="上传的文件已过期，请重新上传"), "failed" if commit else "checked",
              clear_content=False)
        return
    work = open_session(tenant_id, user_id=user_id)
    work.info["username"] = username
    sqlite = work.get_bind().dialect.name == "sqlite"
    last = [0.0]

    def progress(n: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and (total is None or n < total):
            _LIVE[job_id] = n
            return
        last[0] = now
        _set_progress(tenant_id, job_id, n, total, db_write=not (sqlite and commit))

    perms = None
    if user_id is not None:
        from core.permissions import authorizer

        perms = authorizer.effective_permissions(user_id, tenant_id)
    run = ImportRun(work, entity, commit=commit, progress=progress, mapping=chosen, valid_only=valid_only,
                    user_id=user_id, perms=perms)
    known = entity.header_keys()
    ok = False
    table = None
    try:
        try:
            table = open_table(content, kind, encoding, known)
        except FileProblem as exc:
            run.report.message = str(exc)
        del content
        if table is not None:
            if checked_total:
                table.total_hint = checked_total
            run.execute(table)
        report = run.report
        if commit and not report.message and (valid_only or not report.has_errors):
            if report.created or report.updated:
                left = f"，{report.errors} 行有错误未导入" if report.errors else ""
                record(work, "imports.commit", entity="import_jobs", entity_id=job_id,
                       summary=f"导入{entity.label}：新增 {report.created}，更新 {report.updated}{left}")
            work.commit()
            ok = True
        else:
            work.rollback()
    except IntegrityError:
        work.rollback()
        log.info("import job %s hit a constraint", job_id, exc_info=True)
        run.report.message = "导入期间数据被他人修改（出现重复的信用代码或身份证号），未写入任何数据；请重新检查后再导入"
    finally:
        if table is not None:
            table.close()
        work.close()
    state = "checked" if not commit else ("done" if ok else "failed")
    _save(tenant_id, job_id, run.report, state, clear_content=ok)
    columns = run.report.columns
    if ok and columns:
        remember_mapping(tenant_id, entity.slug, columns["headers"], columns["mapping"])


def remember_mapping(tenant_id: int, entity: str, headers: Sequence[Any], mapping: Sequence[str]) -> None:
    """Keep the tenant's mapping for the next file with the same headers."""
    with _book(tenant_id) as s:
        column_mapping.remember(s, entity, headers, mapping)


def choose_mapping(tenant_id: int, job_id: int, mapping: Sequence[str]) -> None:
    """The user's mapping for a checked job: remembered, and the job is checked again with it."""
    with _book(tenant_id) as s:
        job = s.get(ImportJob, job_id)
        columns = dict(job.columns or {})
        columns.update(mapping=list(mapping), source="chosen")
        job.columns = columns
        job.state = "checking"
        job.processed_rows = 0
        headers = columns.get("headers") or []
    remember_mapping(tenant_id, job.entity, headers, mapping)


def start_job(job_id: int, tenant_id: int, user_id: int | None, username: str, *, commit: bool,
              background: bool) -> None:
    if not background:
        execute_job(job_id, tenant_id, user_id, username, commit=commit)
        return
    _LIVE[job_id] = 0
    thread = threading.Thread(target=execute_job, args=(job_id, tenant_id, user_id, username),
                              kwargs={"commit": commit}, name=f"import-{job_id}", daemon=True)
    thread.start()
