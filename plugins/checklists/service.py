"""Rules of the checklists block (评估清单): templates (programs' and the tenant's own), checklists
attached to a subject, item checks with evidence, the overall decision and progress roll-ups.

Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message) before anything is
written. The central rule: an item whose template says ``evidence_required`` cannot be marked
compliant (``done``) while it has no evidence file, and its last file cannot be removed while it
is compliant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from core import search
from core.forms import FormErrors, checked_text, row_id, text, text_problem
from core.plugins import registry
from core.registry.schemas import parse_date
from core.tenancy import TenantInfo, tree
from plugins.checklists.files import FILES, MAX_PER_ITEM
from plugins.checklists.models import (
    Checklist,
    ChecklistEvidence,
    ChecklistItem,
    ChecklistTemplateItem,
    ChecklistTemplateRow,
)
from plugins.checklists.types import ChecklistTemplate, ItemSpec, SubjectKind

ITEM_STATUSES = {"pending": "待检查", "done": "达标", "failed": "未达标", "na": "不适用"}
STATUSES = {"open": "检查中", "passed": "验收通过", "failed": "验收未通过"}
ACTIONS = {"pass": "验收通过", "fail": "验收不通过", "reopen": "重新检查"}
EVIDENCE_MARK = "（须佐证）"


# --- small input helpers -----------------------------------------------------------------------


def _date(raw: Mapping[str, Any], key: str, label: str, errors: dict[str, str], *, default: dt.date | None = None,
          not_after: dt.date | None = None) -> dt.date | None:
    value = text(raw, key)
    if not value:
        return default
    day = parse_date(value)
    if day is None:
        errors[key] = f"{label}：日期格式应为 2026-03-01"
    elif not_after is not None and day > not_after:
        errors[key] = f"{label}：不能晚于今天"
    return day


# --- subject kinds and templates ---------------------------------------------------------------


def subject_kinds(tenant: TenantInfo) -> dict[str, SubjectKind]:
    """The tenant's subject kinds (the block's and its programs'), in display order."""
    found: dict[str, SubjectKind] = {}
    for batch in registry().hooks_for(tenant.id).register_checklist_subject_kinds(tenant=tenant):
        for kind in batch or ():
            found.setdefault(kind.key, kind)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def subject_name(session: Session, tenant: TenantInfo, kind: str, subject_id: int | None) -> str | None:
    """The subject's name if it exists and the session sees it; ``None`` otherwise."""
    k = subject_kinds(tenant).get(kind)
    if k is None or subject_id is None:
        return None
    return k.name_of(session, subject_id)


def row_template(row: ChecklistTemplateRow) -> ChecklistTemplate:
    items = tuple(ItemSpec(f"i{i.id}", i.label, i.evidence_required, i.chapter, i.guidance) for i in row.items)
    kinds = tuple(k for k in row.subject_kinds.split(",") if k)
    return ChecklistTemplate(row.key, row.label, items or (ItemSpec("empty", "（无事项）"),), kinds, row.description,
                             order=1000)


def templates(session: Session, tenant: TenantInfo, *, include_inactive: bool = False) -> dict[str, ChecklistTemplate]:
    """key → template: the programs' (hook) and the tenant's own (``tenant.<id>``)."""
    out: dict[str, ChecklistTemplate] = {}
    for batch in registry().hooks_for(tenant.id).register_checklist_templates(tenant=tenant):
        for t in batch or ():
            out.setdefault(t.key, t)
    stmt = select(ChecklistTemplateRow).order_by(ChecklistTemplateRow.label, ChecklistTemplateRow.id)
    if not include_inactive:
        stmt = stmt.where(ChecklistTemplateRow.active.is_(True))
    for row in session.scalars(stmt):
        if row.items:
            out.setdefault(row.key, row_template(row))
    return dict(sorted(out.items(), key=lambda kv: (kv[1].order, kv[1].label, kv[0])))


def template_label(session: Session, tenant: TenantInfo, key: str) -> str:
    t = templates(session, tenant, include_inactive=True).get(key)
    return t.label if t else key


def parse_items(value: str) -> tuple[list[dict[str, Any]], str | None]:
    """Items of the template form's text box: one item per line; a line ``# 篇章`` starts a chapter;
    an item ending with ``（须佐证）`` or starting with ``*`` requires evidence. (items, problem)."""
    items: list[dict[str, Any]] = []
    chapter = ""
    for n, line in enumerate(value.replace("\r", "").split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            chapter = line.lstrip("#").strip()[:100]
            continue
        required = False
        if line.startswith(("*", "＊")):
            required, line = True, line[1:].strip()
        if line.endswith(EVIDENCE_MARK) or line.endswith("(须佐证)"):
            required, line = True, line.rsplit("（", 1)[0].rsplit("(", 1)[0].strip()
        if not line:
            continue
        if len(line) > 200:
            return [], f"第 {n} 行超过 200 个字符"
        items.append({"chapter": chapter, "label": line, "evidence_required": required})
    if not items:
        return [], "请至少填写一个检查事项"
    if len(items) > 300:
        return [], "最多 300 个检查事项"
    return items, None


def items_text(row: ChecklistTemplateRow) -> str:
    lines, chapter = [], ""
    for i in row.items:
        if i.chapter != chapter:
            chapter = i.chapter
            lines.append(f"# {chapter}")
        lines.append(("*" if i.evidence_required else "") + i.label)
    return "\n".join(lines)


def _clean_template(session: Session, tenant: TenantInfo, raw: Mapping[str, Any],
                    row: ChecklistTemplateRow | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    label = checked_text(raw, "label", "模板名称", 100, errors, required=True)
    description = checked_text(raw, "description", "说明", 2000, errors)
    value = raw.get("subject_kinds", "")
    wanted = value if isinstance(value, list) else [k for k in str(value or "").replace("，", ",").split(",")]
    wanted = [str(k).strip() for k in wanted if str(k).strip()]
    kinds = subject_kinds(tenant)
    bad = [k for k in wanted if k not in kinds]
    if bad:
        errors["subject_kinds"] = f"适用对象：未知的对象类型「{bad[0][:30]}」"
    items_raw = text(raw, "items")
    problem = text_problem(items_raw)
    items, why = parse_items(items_raw) if not problem else ([], problem)
    if why:
        errors["items"] = f"检查事项：{why}"
    if label and "label" not in errors:
        clash = session.scalar(select(ChecklistTemplateRow.id).where(ChecklistTemplateRow.label == label))
        if clash and (row is None or clash != row.id):
            errors["label"] = f"模板名称：「{label}」已存在"
    if errors:
        raise FormErrors(errors)
    return {"label": label, "description": description, "subject_kinds": ",".join(wanted), "items": items}


def _set_items(row: ChecklistTemplateRow, items: list[dict[str, Any]]) -> None:
    old = {(i.chapter, i.label): i for i in row.items}
    keep = []
    for pos, spec in enumerate(items):
        item = old.pop((spec["chapter"], spec["label"]), None)
        if item is None:
            item = ChecklistTemplateItem(chapter=spec["chapter"], label=spec["label"])
        item.position, item.evidence_required = pos, spec["evidence_required"]
        keep.append(item)
    row.items = keep


def create_template(session: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> ChecklistTemplateRow:
    values = _clean_template(session, tenant, raw)
    row = ChecklistTemplateRow(label=values["label"], description=values["description"],
                               subject_kinds=values["subject_kinds"], active=True)
    _set_items(row, values["items"])
    session.add(row)
    session.flush()
    return row


def update_template(session: Session, tenant: TenantInfo, row: ChecklistTemplateRow,
                    raw: Mapping[str, Any]) -> ChecklistTemplateRow:
    """Change a tenant template (checklists started from it keep their copy of the items)."""
    values = _clean_template(session, tenant, raw, row)
    row.label, row.description, row.subject_kinds = values["label"], values["description"], values["subject_kinds"]
    row.active = text(raw, "active", "1") not in ("0", "false", "")
    _set_items(row, values["items"])
    session.flush()
    return row


def get_template_row(session: Session, template_id: int) -> ChecklistTemplateRow:
    row = session.get(ChecklistTemplateRow, template_id)
    if row is None:
        raise NotFoundException("清单模板不存在")
    return row


# --- checklists --------------------------------------------------------------------------------


def create_checklist(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date) -> Checklist:
    """Start a checklist of a subject from a template (its items are copied in).

    Fields: ``template_key`` (required) · ``subject_kind`` + ``subject_id`` (required; the kind
    must be one the template applies to) · ``title`` (default: the template's label) ·
    ``opened_on`` (default today, not in the future) · ``due_on`` · ``note``. One open checklist
    per template and subject."""
    errors: dict[str, str] = {}
    key = text(raw, "template_key")
    template = templates(session, tenant).get(key)
    if template is None:
        errors["template_key"] = "清单模板：请选择有效的模板"
    kind = text(raw, "subject_kind")
    kinds = subject_kinds(tenant)
    name = None
    subject_id = row_id(raw.get("subject_id"))
    if kind not in kinds:
        errors["subject_kind"] = "检查对象类型：请选择" + "、".join(k.label for k in kinds.values())
    elif template is not None and template.subject_kinds and kind not in template.subject_kinds:
        allowed = "、".join(kinds[k].label for k in template.subject_kinds if k in kinds) or "其他对象"
        errors["subject_kind"] = f"检查对象类型：「{template.label}」只适用于{allowed}"
    else:
        name = kinds[kind].name_of(session, subject_id) if subject_id is not None else None
        if name is None:
            errors["subject_id"] = f"检查对象：请选择本辖区的{kinds[kind].label}"
    title = checked_text(raw, "title", "清单名称", 200, errors)
    opened = _date(raw, "opened_on", "开始日期", errors, default=today, not_after=today)
    due = _date(raw, "due_on", "完成期限", errors)
    if opened and due and due < opened and "due_on" not in errors:
        errors["due_on"] = "完成期限：不能早于开始日期"
    note = checked_text(raw, "note", "备注", 2000, errors)
    if not errors and template is not None and name is not None:
        dup = session.scalar(select(Checklist.id).where(
            Checklist.template_key == key, Checklist.subject_kind == kind, Checklist.subject_id == subject_id,
            Checklist.status == "open"))
        if dup:
            errors["subject_id"] = f"检查对象：「{name}」已有检查中的「{template.label}」"
    if errors:
        raise FormErrors(errors)
    assert template is not None and subject_id is not None
    c = Checklist(template_key=key, title=title or template.label, subject_kind=kind, subject_id=subject_id,
                  subject_name=name or "", opened_on=opened, due_on=due, status="open", note=note,
                  na_allowed=template.na_allowed)
    c.items = [ChecklistItem(position=i, key=spec.key, chapter=spec.chapter, label=spec.label,
                             evidence_required=spec.evidence_required, guidance=spec.guidance, status="pending")
               for i, spec in enumerate(template.items)]
    session.add(c)
    session.flush()
    return c


def get_checklist(session: Session, checklist_id: int) -> Checklist:
    c = session.get(Checklist, checklist_id)
    if c is None:
        raise NotFoundException("清单不存在")
    return c


def get_item(checklist: Checklist, item_id: int) -> ChecklistItem:
    for item in checklist.items:
        if item.id == item_id:
            return item
    raise NotFoundException("检查事项不存在")


def _editable(checklist: Checklist, field: str = "status") -> None:
    if checklist.status != "open":
        raise FormErrors({field: f"清单已{STATUSES[checklist.status]}，请先重新检查再修改"})


def check_item(session: Session, checklist: Checklist, item: ChecklistItem, raw: Mapping[str, Any],
               today: dt.date, reviewer: str) -> ChecklistItem:
    """Record the check of one item: ``status`` (pending | done | failed | na), ``note``,
    ``reviewed_on`` (default today). Marking ``done`` an item that requires evidence without any
    evidence file is refused."""
    _editable(checklist)
    errors: dict[str, str] = {}
    status = text(raw, "status")
    if status not in ITEM_STATUSES:
        errors["status"] = "检查结果：请选择" + "、".join(ITEM_STATUSES.values())
    note = checked_text(raw, "note", "检查意见", 2000, errors)
    day = _date(raw, "reviewed_on", "检查日期", errors, default=today, not_after=today)
    if day and day < checklist.opened_on and "reviewed_on" not in errors:
        errors["reviewed_on"] = "检查日期：不能早于清单开始日期"
    if status == "na" and not checklist.na_allowed:
        errors["status"] = f"「{checklist.title}」的每个事项都须达标，不能标记为不适用"
    if status == "done" and item.evidence_required and not item.evidence:
        errors["status"] = f"「{item.label}」须上传佐证材料后才能标记为达标"
    if status == "failed" and not note:
        errors.setdefault("note", "检查意见：未达标时请写明问题和整改要求")
    if errors:
        raise FormErrors(errors)
    item.status, item.note = status, note
    item.reviewed_by, item.reviewed_on = (reviewer, day) if status != "pending" else ("", None)
    session.flush()
    return item


def add_evidence(session: Session, checklist: Checklist, item: ChecklistItem, filename: str, data: bytes,
                 description: str, user_id: int | None) -> ChecklistEvidence:
    """Check and store one evidence file of ``item``; the caller commits (``FILES.commit_new``)."""
    _editable(checklist, "file")
    if len(description) > 200 or text_problem(description):
        raise FormErrors({"description": "说明：最多 200 个字符，且不能含控制字符"})
    name, content_type = FILES.check(filename, data)
    if len(item.evidence) >= MAX_PER_ITEM:
        raise FormErrors({"file": f"佐证材料：每个事项最多 {MAX_PER_ITEM} 个文件"})
    stored, digest = FILES.save(checklist.tenant_id, name, data)
    ev = ChecklistEvidence(tenant_id=checklist.tenant_id, item_id=item.id, filename=name, content_type=content_type,
                           size=len(data), sha256=digest, stored_name=stored, uploaded_by_id=user_id,
                           description=description)
    item.evidence.append(ev)
    return FILES.add(session, ev)


def get_evidence(item: ChecklistItem, evidence_id: int) -> ChecklistEvidence:
    for ev in item.evidence:
        if ev.id == evidence_id:
            return ev
    raise NotFoundException("佐证材料不存在")


def delete_evidence(session: Session, checklist: Checklist, item: ChecklistItem,
                    evidence_id: int) -> ChecklistEvidence:
    """Remove one file (the caller discards the bytes after the commit); the last file of a
    compliant item that requires evidence stays."""
    _editable(checklist, "file")
    ev = get_evidence(item, evidence_id)
    if item.status == "done" and item.evidence_required and len(item.evidence) <= 1:
        raise FormErrors({"file": f"「{item.label}」已达标，须至少保留一份佐证材料"})
    item.evidence.remove(ev)
    session.delete(ev)
    session.flush()
    return ev


def decide(session: Session, checklist: Checklist, action: str, raw: Mapping[str, Any], today: dt.date,
           reviewer: str) -> Checklist:
    """The overall decision (验收): ``pass`` (every applicable item compliant), ``fail`` (a
    reason in ``note``) or ``reopen`` (a decided checklist goes back to ``open``)."""
    errors: dict[str, str] = {}
    if action not in ACTIONS:
        raise FormErrors({"status": "请选择验收通过、验收不通过或重新检查"})
    if action in ("pass", "fail") and checklist.status != "open":
        raise FormErrors({"status": f"当前状态为「{STATUSES[checklist.status]}」，不能{ACTIONS[action]}"})
    if action == "reopen" and checklist.status == "open":
        raise FormErrors({"status": "清单正在检查中"})
    note = checked_text(raw, "note", "验收意见", 2000, errors)
    day = _date(raw, "decided_on", "验收日期", errors, default=today, not_after=today)
    if day and day < checklist.opened_on and "decided_on" not in errors:
        errors["decided_on"] = "验收日期：不能早于清单开始日期"
    if action == "pass":
        p = progress_of(checklist)
        if p.done < p.total:
            errors["status"] = f"还有 {p.total - p.done} 个事项未达标，不能验收通过"
    if action == "fail" and not note:
        errors["note"] = "验收意见：验收不通过时请写明整改意见"
    if errors:
        raise FormErrors(errors)
    if action == "reopen":
        checklist.status, checklist.decided_on, checklist.decided_by = "open", None, ""
        checklist.decision_note = note
    else:
        checklist.status = "passed" if action == "pass" else "failed"
        checklist.decided_on, checklist.decided_by, checklist.decision_note = day, reviewer, note
    session.flush()
    tenant = tree().by_id.get(checklist.tenant_id)
    if tenant is not None:  # programs act on the decision in the same transaction (DFH-5: the venue class)
        registry().hooks_for(tenant.id).on_checklist_decided(session=session, tenant=tenant, checklist=checklist,
                                                             action=action)
    return checklist


def delete_checklist(session: Session, checklist: Checklist) -> list[ChecklistEvidence]:
    """Delete a checklist that is still open; returns its files (discard them after the commit)."""
    if checklist.status == "passed":
        raise FormErrors({"status": "已验收通过的清单不能删除"})
    files = [ev for item in checklist.items for ev in item.evidence]
    session.delete(checklist)
    session.flush()
    return files


# --- progress and lists ------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int  # applicable items (not 不适用)
    done: int
    failed: int
    pending: int
    na: int

    @property
    def share(self) -> float:
        """Compliant share of the applicable items (1.0 when there are none)."""
        return self.done / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def complete(self) -> bool:
        return self.done == self.total


def _progress(statuses: Iterable[str]) -> Progress:
    counts = {k: 0 for k in ITEM_STATUSES}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    na = counts["na"]
    return Progress(sum(counts.values()) - na, counts["done"], counts["failed"], counts["pending"], na)


def progress_of(checklist: Checklist) -> Progress:
    return _progress(i.status for i in checklist.items)


def progress_by_id(session: Session, ids: list[int]) -> dict[int, Progress]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for cid, status in session.execute(select(ChecklistItem.checklist_id, ChecklistItem.status)
                                           .where(ChecklistItem.checklist_id.in_(ids))):
            found[cid].append(status)
    return {cid: _progress(s) for cid, s in found.items()}


def checklist_select(q: str = "", template_key: str = "", subject_kind: str = "", status: str = "",
                     subject_id: int | None = None) -> Select:
    stmt = select(Checklist)
    if q:
        stmt = stmt.where(search.matches(q, Checklist.title, Checklist.subject_name))
    if template_key:
        stmt = stmt.where(Checklist.template_key == template_key)
    if subject_kind:
        stmt = stmt.where(Checklist.subject_kind == subject_kind)
    if subject_id is not None:
        stmt = stmt.where(Checklist.subject_id == subject_id)
    if status in STATUSES:
        stmt = stmt.where(Checklist.status == status)
    return stmt.order_by(Checklist.opened_on.desc(), Checklist.id.desc())


@dataclass
class Rollup:
    """Progress of one tenant's checklists (or the subtree's total, ``tenant_id`` None)."""

    tenant_id: int | None
    checklists: int = 0
    passed: int = 0
    failed: int = 0
    complete: int = 0  # every applicable item compliant
    items_total: int = 0
    items_done: int = 0

    @property
    def share(self) -> float:
        return self.items_done / self.items_total if self.items_total else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def complete_share(self) -> float:
        return self.complete / self.checklists if self.checklists else 0.0


def rollup(session: Session, tenant_ids: Iterable[int], template_key: str = "",
           subject_kind: str = "") -> tuple[list[Rollup], Rollup]:
    """Per tenant among ``tenant_ids`` (which ``session`` must see: a permission-checked roll-up
    session for a subtree) and in total: checklists, decided, complete, items done / applicable."""
    ids = list(tenant_ids)
    rows = {tid: Rollup(tid) for tid in ids}
    cond = [Checklist.tenant_id.in_(ids)]
    if template_key:
        cond.append(Checklist.template_key == template_key)
    if subject_kind:
        cond.append(Checklist.subject_kind == subject_kind)
    for tid, status, n in session.execute(select(Checklist.tenant_id, Checklist.status, func.count())
                                          .where(*cond).group_by(Checklist.tenant_id, Checklist.status)):
        r = rows[tid]
        r.checklists += n
        r.passed += n if status == "passed" else 0
        r.failed += n if status == "failed" else 0
    applicable = func.sum(case((ChecklistItem.status != "na", 1), else_=0))
    done = func.sum(case((ChecklistItem.status == "done", 1), else_=0))
    per = (select(Checklist.tenant_id.label("tid"), Checklist.id.label("cid"), applicable.label("total"),
                  done.label("done"))
           .join(ChecklistItem, ChecklistItem.checklist_id == Checklist.id).where(*cond)
           .group_by(Checklist.tenant_id, Checklist.id).subquery())
    for tid, total, dn, complete in session.execute(
            select(per.c.tid, func.sum(per.c.total), func.sum(per.c.done),
                   func.sum(case((per.c.total == per.c.done, 1), else_=0))).group_by(per.c.tid)):
        r = rows[tid]
        r.items_total, r.items_done, r.complete = int(total or 0), int(dn or 0), int(complete or 0)
    return [rows[t] for t in ids], sum_rollups(rows.values())


def sum_rollups(rows: Iterable[Rollup]) -> Rollup:
    total = Rollup(None)
    for r in rows:
        for f in ("checklists", "passed", "failed", "complete", "items_total", "items_done"):
            setattr(total, f, getattr(total, f) + getattr(r, f))
    return total


def widget_counts(session: Session) -> dict[str, int]:
    by = dict(session.execute(select(Checklist.status, func.count()).group_by(Checklist.status)).all())
    return {k: int(by.get(k, 0)) for k in STATUSES}


EXPORT_HEADERS = ["清单", "模板", "检查对象类型", "检查对象", "开始日期", "完成期限", "状态", "达标事项", "适用事项",
                  "达标率", "验收日期", "验收人", "验收意见"]
ITEM_HEADERS = ["清单", "检查对象", "篇章", "检查事项", "须佐证", "佐证材料数", "检查结果", "检查意见", "检查人", "检查日期"]


def export_rows(session: Session, tenant: TenantInfo, items: list[Checklist]) -> list[list[Any]]:
    kinds = subject_kinds(tenant)
    tpl = templates(session, tenant, include_inactive=True)
    prog = progress_by_id(session, [c.id for c in items])
    return [[c.title, tpl[c.template_key].label if c.template_key in tpl else c.template_key,
             kinds[c.subject_kind].label if c.subject_kind in kinds else c.subject_kind, c.subject_name, c.opened_on,
             c.due_on, STATUSES.get(c.status, c.status), prog[c.id].done, prog[c.id].total, f"{prog[c.id].percent}%",
             c.decided_on, c.decided_by, c.decision_note] for c in items]


def item_rows(checklist: Checklist) -> list[list[Any]]:
    return [[checklist.title, checklist.subject_name, i.chapter, i.label, "是" if i.evidence_required else "否",
             len(i.evidence), ITEM_STATUSES.get(i.status, i.status), i.note, i.reviewed_by, i.reviewed_on]
            for i in checklist.items]


def chapters(checklist: Checklist) -> list[tuple[str, list[ChecklistItem]]]:
    """The items grouped by chapter, in order ("" for items without one)."""
    out: list[tuple[str, list[ChecklistItem]]] = []
    for item in checklist.items:
        if not out or out[-1][0] != item.chapter:
            out.append((item.chapter, []))
        out[-1][1].append(item)
    return out
