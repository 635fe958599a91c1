"""The one file store behind every upload (registry visits, lists demands, activities)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import core.registry.files  # noqa: F401  (each area registers its store in its files module)
import plugins.activities.files  # noqa: F401
import plugins.assessment.files  # noqa: F401
import plugins.campaigns.files  # noqa: F401
import plugins.lists.files
from core.forms import FormErrors
from core.uploads import file_store, stores
from tests.registry.test_import import minimal_xlsx_zip


def store_of(area: str):
    return next(s for s in stores() if s.area == area)


def test_every_area_has_one_store_and_its_own_directory(tmp_path, monkeypatch):
    areas = [s.area for s in stores()]
    assert {"registry", "lists", "activities", "campaigns", "assessment"} <= set(areas)
    assert len(areas) == len(set(areas)) and store_of("lists") is plugins.lists.files.FILES
    with pytest.raises(ValueError):
        file_store("lists")  # one store per area
    monkeypatch.setenv("LIANDONG_LISTS_UPLOAD_DIR", str(tmp_path))
    store = store_of("lists")
    stored, digest = store.save(7, "合同.pdf", b"%PDF-1.4 x")
    assert store.path(7, stored) == tmp_path / "7" / stored and stored.endswith(".pdf") and "合同" not in stored
    row = SimpleNamespace(tenant_id=7, stored_name=stored)
    assert store.read(row) == b"%PDF-1.4 x" and len(digest) == 64
    with pytest.raises(FileNotFoundError):
        store.read(SimpleNamespace(tenant_id=8, stored_name=stored))  # another tenant's directory
    store.discard(row)
    assert not store.path(7, stored).exists()


@pytest.mark.parametrize("area,prefix", [("lists", ""), ("activities", ""), ("campaigns", ""), ("assessment", ""),
                                         ("registry", "附件：")])
def test_every_area_refuses_macros_and_disguised_files(area, prefix):
    store = store_of(area)
    macro = minimal_xlsx_zip({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"x" * 100})
    with pytest.raises(FormErrors) as refused:
        store.check("表.xlsx", macro)
    assert refused.value.errors["file"].startswith(prefix) and "宏" in refused.value.errors["file"]
    with pytest.raises(FormErrors) as disguised:
        store.check("photo.png", b"MZ\x90\x00 an executable")
    assert "不符" in disguised.value.errors["file"]
    with pytest.raises(FormErrors):
        store.check("../../etc/passwd", b"root")
    assert store.check("C:\\照片\\走访.jpg", b"\xff\xd8\xff\xe0 jpeg") == ("走访.jpg", "image/jpeg")
