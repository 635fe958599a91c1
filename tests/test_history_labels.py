"""Every audited model reads in Chinese: each has :class:`core.history.Labels`, and every column a
history shows has a label (core, the registry and every installed plugin)."""

from __future__ import annotations

import importlib

from core import history
from core.audit import UNAUDITED
from core.db import Base
from core.plugins import registry


def _audited_models() -> list[type]:
    reg = registry()
    reg.pm.hook.register_models()  # imports every model module a plugin registers
    for module in [importlib.import_module("core.registry"), *reg.modules.values()]:
        try:
            importlib.import_module(f"{module.__name__}.models")
        except ModuleNotFoundError:
            pass
    packages = ("core.", *(f"{m.__name__}." for m in reg.modules.values()))  # not test-made plugins
    models = [m.class_ for m in Base.registry.mappers
              if not issubclass(m.class_, UNAUDITED) and getattr(m.class_, "__audited__", True)
              and m.class_.__module__.startswith(packages)]
    assert len(models) > 40  # the core, the registry and the plugins were found
    return models


def test_every_audited_model_has_labels_for_every_shown_column():
    known = history.tables()
    missing, unlabelled = [], []
    for model in _audited_models():
        lab = known.get(model.__table__.name)
        if lab is None or lab.model is not model:
            missing.append(model.__name__)
            continue
        unlabelled += [f"{model.__name__}.{c}" for c in lab.shown_columns() if not lab.fields.get(c)]
    assert not missing, f"no history labels for {missing}: add Labels(...) to the area's history.LABELS"
    assert not unlabelled, f"columns without a label (label them or hide them): {unlabelled}"


def test_labels_name_real_columns_and_tables():
    for table, lab in history.tables().items():
        for key in [*lab.choices, *lab.formats, *lab.keys]:
            assert key in lab.fields, f"{table}.{key} is formatted but has no label"
        for key, target in lab.refs.items():
            assert target in history.tables(), f"{table}.{key} refers to unknown table {target}"
        assert history.operation(f"{table}.create") .startswith("新增") and table not in history.operation(
            f"{table}.update")
