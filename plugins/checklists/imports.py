"""Template items (清单模板事项) as an import kind, through the registry's import pages: a
handbook kept in Excel (模板名称, 篇章, 检查事项, 须佐证, 检查说明) becomes the tenant's templates.

A row is matched on (模板名称, 篇章, 检查事项): importing the same file twice writes nothing; a
template named in the file that does not exist yet is created; new items go after the others.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.schemas import FieldSpec, clean
from plugins.checklists.models import ChecklistTemplateItem, ChecklistTemplateRow

FIELDS = (
    FieldSpec("template", "模板名称", required=True, max_length=100),
    FieldSpec("chapter", "篇章", max_length=100, help="如：支部设置、组织生活；可不填"),
    FieldSpec("label", "检查事项", required=True, max_length=200),
    FieldSpec("evidence_required", "须佐证", "bool", help="是：该事项须上传佐证材料才能标记为达标"),
    FieldSpec("guidance", "检查说明", "text", max_length=2000),
)


def clean_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(FIELDS), raw)
    values["chapter"] = values.get("chapter") or ""
    values["guidance"] = values.get("guidance") or ""
    values["evidence_required"] = bool(values.get("evidence_required"))
    return values, errors


def _batch(run: ImportRun, rows: list) -> None:
    s = run.session
    for row in rows:
        if row.errors:
            continue
        name = row.values["template"]
        row.key = (name, row.values["chapter"], row.values["label"])
        if run.duplicate(row, ("item", *row.key), "label"):
            continue
        template = run.cached(("template", name), lambda n=name: s.scalar(
            select(ChecklistTemplateRow).where(ChecklistTemplateRow.label == n)) or False)
        if not template and run.writing:
            template = ChecklistTemplateRow(label=name, description="", subject_kinds="", active=True)
            s.add(template)
            s.flush()
            run.ref_cache[("template", name)] = template
        if not template:  # dry run: the template will be created with the file
            row.values["template_id"] = None
            run.upsert(row, None)
            continue
        existing = s.scalar(select(ChecklistTemplateItem).where(
            ChecklistTemplateItem.template_id == template.id, ChecklistTemplateItem.chapter == row.values["chapter"],
            ChecklistTemplateItem.label == row.values["label"]).limit(1))
        row.values["template_id"] = template.id
        if existing is None:
            row.values["position"] = (s.scalar(select(func.max(ChecklistTemplateItem.position)).where(
                ChecklistTemplateItem.template_id == template.id)) or 0) + 1
        run.upsert(row, existing)
        if run.writing:
            s.flush()


def template_items_kind() -> ImportKind:
    return ImportKind(
        "checklists_template_items", "清单模板事项", ChecklistTemplateItem, FIELDS, clean_row, "checklists/templates",
        ("template", "label"), {}, {"template": "template_id"},
        {"template": EXAMPLE_MARK + "支部标准化规范化建设手册", "chapter": "组织生活", "label": "按期开展“三会一课”",
         "evidence_required": "是", "guidance": "查会议记录"},
        synonyms={"模板名称": ("清单名称", "模板", "手册名称"), "篇章": ("章节", "类别", "分类"),
                  "检查事项": ("事项", "标准", "内容", "检查内容"), "须佐证": ("需佐证", "是否须佐证", "需要佐证材料"),
                  "检查说明": ("说明", "检查方法", "佐证要求")},
        batch=_batch, permission="checklists:write",
        guide="按模板名称、篇章和检查事项识别；模板不存在时新建，新事项排在已有事项之后。",
    )
