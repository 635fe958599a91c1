"""The registry's extension points: extra fields, code lists and change events.

**Extra fields** (``register_extra_fields``). A plugin declares fields on organizations, party
orgs or members (:class:`core.plugin_types.ExtraField`); their values live in the record's
``extra`` JSON column, keyed by the field's ``"<plugin>.<name>"`` key. Why one JSON column and
not a side table per plugin (as dongfanghong's ``MemberProfile`` was) or one key/value table:

* a record and its extra values are one row: saved, audited (the history shows the changed
  keys with their labels), exported and imported together — nothing half-saved, no join per
  field on every list and export;
* the values are typed and checked here, with the record's other fields (the same Chinese
  field-level messages, ``FormErrors`` before anything is written); the JSON holds plain
  values (dates as ``YYYY-MM-DD``, references as ids);
* queries stay possible on both databases (``Member.extra["dongfanghong.is_manager"].as_boolean()``);
* a plugin's values stay when a tenant disables it (they are hidden, not deleted) and
  reappear when it is enabled again — as every plugin's data does.

Form inputs and import columns are named ``extra.<key>``; the API takes and returns
``"extra": {"<key>": value}``. Field errors are keyed ``extra.<key>``.

**Code lists** (``register_code_lists``): codes a plugin adds to ``formation_modes`` or
``industries`` for the tenants that enabled it (:func:`code_list`).

**Change events** (``on_registry_changed``): the services of organizations, party orgs and
members call :func:`changed` after each write; it classifies the change (created, changed,
moved, dissolved, deleted) and calls the hook of the tenant's plugins in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.forms import row_id
from core.plugin_types import CODE_LISTS, ExtraField, RegistryChange
from core.registry import choices
from core.registry.schemas import FieldSpec, clean_value, parse_date

EXTRA_PREFIX = "extra."
_KINDS = {"text": "str", "int": "int", "date": "date", "choice": "choice", "bool": "bool", "reference": "ref"}
_BASE_LISTS = {"formation_modes": choices.FORMATION_MODES, "industries": choices.INDUSTRIES}
#: columns whose choices come from a code list
LIST_OF_COLUMN = {"formation_mode": "formation_modes", "industry": "industries"}


def tenant_of(tenant_or_session: Any):
    """The :class:`TenantInfo` of a tenant, a tenant id or a session's home tenant (or None)."""
    from core.tenancy import tree

    if isinstance(tenant_or_session, Session):
        tenant_or_session = tenant_or_session.info.get("tenant_id")
    if isinstance(tenant_or_session, int):
        return tree().by_id.get(tenant_or_session)
    return tenant_or_session


def _collect(tenant, hook: str) -> list[Any]:
    from core.plugins import registry

    if tenant is None:
        return []
    out: list[Any] = []
    for batch in getattr(registry().hooks_for(tenant.id), hook)(tenant=tenant):
        out.extend(batch or ())
    return out


# --- code lists ---------------------------------------------------------------------------------


def code_list(tenant: Any, name: str) -> dict[str, str]:
    """Code → label of the core list ``name`` for ``tenant``: the core's codes, then those of
    the tenant's plugins (a code already there keeps its label)."""
    if name not in CODE_LISTS:
        raise KeyError(name)
    out = dict(_BASE_LISTS[name])
    for ext in _collect(tenant_of(tenant), "register_code_lists"):
        if ext.name == name:
            for code, label in ext.codes:
                out.setdefault(code, label)
    return out


def code_label(tenant: Any, name: str, code: str | None) -> str:
    if not code:
        return ""
    return code_list(tenant, name).get(code, code)


def tenant_specs(tenant: Any, specs: Iterable[FieldSpec]) -> list[FieldSpec]:
    """``specs`` with the choices of code-list columns (formation mode, industry) for ``tenant``."""
    tenant = tenant_of(tenant)
    out = []
    for spec in specs:
        name = LIST_OF_COLUMN.get(spec.key)
        out.append(dataclasses.replace(spec, choices=code_list(tenant, name)) if name and tenant else spec)
    return out


class TenantChoices:
    """The module :mod:`core.registry.choices` as templates use it (``C.FORMATION_MODES``), with the
    tenant's code lists in place of the core's."""

    def __init__(self, tenant: Any):
        self._tenant = tenant_of(tenant)

    def __getattr__(self, name: str) -> Any:
        if name == "FORMATION_MODES":
            return code_list(self._tenant, "formation_modes")
        if name == "INDUSTRIES":
            return code_list(self._tenant, "industries")
        return getattr(choices, name)


# --- extra fields -------------------------------------------------------------------------------


def extra_fields(tenant: Any, entity: str) -> list[ExtraField]:
    """The extra fields of ``entity`` for ``tenant`` (its enabled plugins), in display order;
    a key declared twice keeps its first declaration."""
    seen: dict[str, ExtraField] = {}
    for f in _collect(tenant_of(tenant), "register_extra_fields"):
        if f.entity == entity:
            seen.setdefault(f.key, f)
    return sorted(seen.values(), key=lambda f: (f.order, f.label))


def spec_of(f: ExtraField) -> FieldSpec:
    """The field as the registry's :class:`FieldSpec` (for cleaning, import templates)."""
    return FieldSpec(EXTRA_PREFIX + f.key, f.label, _KINDS[f.type], required=f.required, max_length=f.max_length,
                     choices=dict(f.choices), min=f.min, max=f.max, help=f.help)


def specs(tenant: Any, entity: str) -> list[FieldSpec]:
    return [spec_of(f) for f in extra_fields(tenant, entity)]


def resolve_reference(session: Session, target: str, text: str) -> tuple[int | None, str | None]:
    from core.registry.models import Member
    from core.registry.schemas import resolve_organization, resolve_party_org

    if target == "organization":
        return resolve_organization(session, text)
    if target == "party_org":
        return resolve_party_org(session, text)
    member_id = row_id(text)
    found = session.scalar(select(Member.id).where(Member.id == member_id)) if member_id else None
    return (found, None) if found else (None, f"找不到党员「{text}」")


def _given(raw: Mapping[str, Any], f: ExtraField) -> tuple[bool, Any]:
    """(present, value) of ``f`` in a form / import row (``extra.<key>``) or an API body (``extra``)."""
    nested = raw.get("extra")
    if isinstance(nested, Mapping) and f.key in nested:
        return True, nested[f.key]
    if EXTRA_PREFIX + f.key in raw:
        return True, raw[EXTRA_PREFIX + f.key]
    return False, None


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def clean_extra(session: Session, entity: str, raw: Mapping[str, Any], current: Mapping[str, Any] | None = None,
                *, partial: bool = False, fields: Sequence[ExtraField] | None = None
                ) -> tuple[dict[str, Any], dict[str, str]]:
    """(the new ``extra`` dict, errors keyed ``extra.<key>``) from ``raw``.

    Keys of fields not declared for the session's tenant (a disabled plugin's) keep their
    stored values. ``partial``: a field absent from ``raw`` keeps its value (API PATCH, an
    import file without the column); otherwise absent means empty (a form's unchecked box).
    """
    fields = extra_fields(session, entity) if fields is None else fields
    out = dict(current or {})
    errors: dict[str, str] = {}
    for f in fields:
        present, value = _given(raw, f)
        if not present and partial:
            continue
        if not present and f.type != "bool" and f.key in out and not f.required:
            # a form drawn before the field existed, or an API client that does not know it
            continue
        spec = spec_of(f)
        typed, problem = clean_value(spec, value)
        if problem is None and f.type == "reference" and typed:
            typed, problem = resolve_reference(session, f.reference, str(typed))
            if problem:
                problem = f"{f.label}：{problem}"
        if problem is None and typed not in (None, "") and f.validate is not None:
            message = f.validate(typed)
            if message:
                problem = message if message.startswith(f.label) else f"{f.label}：{message}"
        if problem:
            errors[spec.key] = problem
        elif typed in (None, "") or (f.type == "bool" and typed is False and not f.required):
            out.pop(f.key, None)
        else:
            out[f.key] = _json(typed)
    return out, errors


def check_value(f: ExtraField, raw: Any) -> tuple[Any, str | None]:
    """(the JSON value, error) of one cell or input without the database (a reference stays
    the text the user typed: :func:`resolve_reference` turns it into an id)."""
    typed, problem = clean_value(spec_of(f), raw)
    if problem is None and typed not in (None, "") and f.validate is not None and f.type != "reference":
        message = f.validate(typed)
        if message:
            problem = message if message.startswith(f.label) else f"{f.label}：{message}"
    return (None, problem) if problem else (_json(typed), None)


def import_kind(kind: Any, tenant: Any) -> Any:
    """A registry :class:`~core.registry.importer.ImportKind` (organizations, party orgs, members)
    for ``tenant``: its code lists, and its extra fields as columns ``extra.<key>``."""
    from core.registry import schemas

    entity = {"organizations": "organization", "party_orgs": "party_org", "members": "member"}.get(kind.slug)
    tenant = tenant_of(tenant)
    if entity is None or tenant is None:
        return kind
    fields = extra_fields(tenant, entity)
    cleaners = {"organizations": schemas.clean_organization, "party_orgs": schemas.clean_party_org}
    base_specs = {"organizations": schemas.ORGANIZATION_FIELDS, "party_orgs": schemas.PARTY_ORG_FIELDS}
    core_clean = kind.cleaner
    if kind.slug in cleaners:
        tenant_fields = tenant_specs(tenant, base_specs[kind.slug])
        clean_core = cleaners[kind.slug]

        def core_clean(raw, *args, **kwargs):
            return clean_core(raw, fields=tenant_fields)

    if not fields and core_clean is kind.cleaner:
        return kind

    def cleaner(raw, *args, **kwargs):
        values, errors = core_clean(raw)
        for f in fields:
            key = EXTRA_PREFIX + f.key
            value, problem = check_value(f, raw.get(key))
            if problem:
                errors[key] = problem
            else:
                values[key] = value
        return values, errors

    core_specs = tuple(tenant_specs(tenant, kind.fields))
    return dataclasses.replace(kind, fields=(*core_specs, *(spec_of(f) for f in fields)), cleaner=cleaner,
                               extra_keys=(*kind.extra_keys, *(EXTRA_PREFIX + f.key for f in fields)),
                               extra_fields=tuple(fields))


def typed_value(f: ExtraField, stored: Any) -> Any:
    if f.type == "date" and isinstance(stored, str):
        return parse_date(stored)
    return stored


def form_values(fields: Iterable[ExtraField], extra: Mapping[str, Any] | None) -> dict[str, str]:
    """The record's extra values as form inputs (``extra.<key>`` → text)."""
    out = {}
    for f in fields:
        value = (extra or {}).get(f.key)
        if f.type == "bool":
            out[EXTRA_PREFIX + f.key] = "1" if value else ""
        else:
            out[EXTRA_PREFIX + f.key] = "" if value is None else str(value)
    return out


def raw_from_form(fields: Iterable[ExtraField], data: Mapping[str, Any]) -> dict[str, Any]:
    """The extra inputs of a submitted form (an unchecked box is absent: "")."""
    out = {}
    for f in fields:
        value = data.get(EXTRA_PREFIX + f.key, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        out[EXTRA_PREFIX + f.key] = value
    return out


def _reference_names(session: Session, fields: Iterable[ExtraField], records: Iterable[Any]) -> dict[tuple, str]:
    from core.registry.models import Member, Organization, PartyOrg

    models = {"organization": Organization, "party_org": PartyOrg, "member": Member}
    wanted: dict[str, set[int]] = {}
    for f in fields:
        if f.type == "reference":
            for r in records:
                value = (r.extra or {}).get(f.key)
                if isinstance(value, int):
                    wanted.setdefault(f.reference, set()).add(value)
    out: dict[tuple, str] = {}
    for target, ids in wanted.items():
        model = models[target]
        for rid, name in session.execute(select(model.id, model.name).where(model.id.in_(ids))):
            out[(target, rid)] = name
    return out


def text_of(f: ExtraField, value: Any, names: Mapping[tuple, str] | None = None) -> str:
    """A stored value as the pages and the export show it."""
    if value is None or value == "":
        return "否" if f.type == "bool" else ""
    if f.type == "bool":
        return "是" if value else "否"
    if f.type == "choice":
        return dict(f.choices).get(value, str(value))
    if f.type == "reference":
        return (names or {}).get((f.reference, value), f"#{value}")
    return str(value)


def display(session: Session, entity: str, record: Any) -> list[tuple[str, str]]:
    """(label, text) of each extra field of the session's tenant, for a detail page."""
    fields = extra_fields(session, entity)
    names = _reference_names(session, fields, [record])
    return [(f.label, text_of(f, (record.extra or {}).get(f.key), names)) for f in fields]


def export_headers(fields: Iterable[ExtraField]) -> list[str]:
    return [f.label for f in fields]


def export_cells(session: Session, fields: Sequence[ExtraField], records: Sequence[Any]) -> dict[int, list[str]]:
    """Record id → the export's cells of the extra fields (one query per referenced table)."""
    names = _reference_names(session, fields, records)
    return {r.id: [text_of(f, (r.extra or {}).get(f.key), names) for f in fields] for r in records}


def api_values(record: Any, fields: Iterable[ExtraField]) -> dict[str, Any]:
    """The declared extra values of a record, for the JSON API."""
    extra = record.extra or {}
    return {f.key: extra.get(f.key) for f in fields}


# --- change events ------------------------------------------------------------------------------

#: columns never passed to a hook
_SECRET_SUFFIXES = ("_enc", "_hash")
#: column changes that move a record in the tree, per entity
_MOVES = {"organization": ("community", "community_tenant_id"), "party_org": ("parent_id",),
          "member": ("party_org_id", "organization_id")}


def snapshot(record: Any) -> dict[str, Any]:
    """The record's column values for a :class:`RegistryChange` (no ciphertexts, no hashes)."""
    from core.audit import snapshot as audit_snapshot

    return {k: v for k, v in audit_snapshot(record).items() if not k.endswith(_SECRET_SUFFIXES)}


def _action(entity: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str | None:
    if before is None:
        return "created"
    if after is None:
        return "deleted"
    diff = {k for k in {*before, *after} if before.get(k) != after.get(k)} - {"updated_at"}
    if not diff:
        return None
    if entity == "party_org" and not before.get("dissolved_on") and after.get("dissolved_on"):
        return "dissolved"
    if entity == "organization" and before.get("status") == "operating" and after.get("status") != "operating":
        return "dissolved"
    if diff & set(_MOVES[entity]):
        return "moved"
    return "changed"


def changed(session: Session, entity: str, record: Any, before: Mapping[str, Any] | None,
            *, deleted: bool = False) -> RegistryChange | None:
    """Tell the tenant's plugins (``on_registry_changed``) what a service just wrote.

    ``before``: :func:`snapshot` taken before the change (``None`` for a new record); the
    record is flushed. Nothing is called when nothing changed. Returns the change.
    """
    from core.plugins import registry

    after = None if deleted else snapshot(record)
    action = _action(entity, before, after)
    if action is None:
        return None
    tenant = tenant_of(record.tenant_id if record.tenant_id else session)
    change = RegistryChange(entity, action, record.id, dict(before) if before is not None else None, after,
                            None if deleted else record)
    if tenant is not None:
        registry().hooks_for(tenant.id).on_registry_changed(session=session, tenant=tenant, change=change)
    return change
