"""Checks on an uploaded spreadsheet before anything parses it (CORE-8).

:func:`inspect_upload` looks at the raw bytes only — size, magic bytes, the zip directory,
the text encoding — and either returns what the file is (:class:`UploadInfo`) or raises
:class:`UploadRejected` with a Chinese message for the user. Nothing here builds a
workbook or a row; a file that passes is then read by :mod:`core.registry.importer`.

Accepted:

* ``.xlsx`` — a zip (``PK\\x03\\x04``) holding ``[Content_Types].xml`` and ``xl/workbook.xml``,
  without macros (``xl/vbaProject.bin`` or a ``macroEnabled`` content type), encryption,
  DTDs, too many entries or a suspicious uncompressed size / compression ratio;
* ``.csv`` — text without NUL bytes in UTF-8 (with or without BOM) or GBK (read as GB18030,
  its superset).

The size limit is ``LIANDONG_IMPORT_MAX_BYTES`` (or a ``import_max_bytes`` setting), 20 MB
by default. :func:`check_ooxml` (the package checks alone, for .xlsx and .docx) also guards
the attachments of instructor visits (:mod:`core.registry.files`).
"""

from __future__ import annotations

import codecs
import io
import os
import zipfile
from dataclasses import dataclass

from core.config import get_settings

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: zip-bomb limits
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_ENTRIES = 1000
#: bytes of each XML part scanned for a DTD (it can only come before the root element)
XML_HEAD = 4096

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF8_BOM = codecs.BOM_UTF8

#: other well-known binary formats, for a clearer message than "unknown encoding"
BINARY_MAGIC = (
    b"MZ",  # Windows executable
    b"\x7fELF",
    b"%PDF",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\xca\xfe\xba\xbe",
    b"PK\x05\x06",  # empty zip
    b"PK\x07\x08",
)

EXTENSIONS = {".xlsx": "xlsx", ".csv": "csv"}


class UploadRejected(ValueError):
    """The file must not be parsed; ``message`` is shown to the user (Chinese)."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.message = message
        self.too_large = too_large


@dataclass(frozen=True)
class UploadInfo:
    kind: str  # "xlsx" | "csv"
    encoding: str = ""  # csv: "utf-8-sig" | "utf-8" | "gb18030"
    size: int = 0

    @property
    def encoding_label(self) -> str:
        return {"utf-8-sig": "UTF-8（带 BOM）", "utf-8": "UTF-8", "gb18030": "GBK"}.get(self.encoding, "")


def max_upload_bytes() -> int:
    """The configured limit: env ``LIANDONG_IMPORT_MAX_BYTES``, a setting, or 20 MB."""
    raw = os.environ.get("LIANDONG_IMPORT_MAX_BYTES")
    if raw and raw.strip().isdigit():
        return int(raw)
    configured = getattr(get_settings(), "import_max_bytes", None)
    return int(configured) if configured else DEFAULT_MAX_BYTES


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def too_large_message(size: int | None, limit: int) -> str:
    """The 413 message: the file's size (when known) and the limit."""
    what = f"文件过大（{_mb(size)}）" if size else "文件过大"
    return f"{what}，上限为 {_mb(limit)}；请拆分后分批导入"


def extension_of(filename: str | None) -> str:
    name = (filename or "").strip().lower()
    dot = name.rfind(".")
    return name[dot:] if dot > 0 or (dot == 0 and len(name) > 1) else ""


def inspect_upload(filename: str | None, data: bytes, *, max_bytes: int | None = None) -> UploadInfo:
    """What ``data`` is, or :class:`UploadRejected`. Never parses a workbook or a row."""
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    size = len(data)
    if size == 0:
        raise UploadRejected("文件是空的，请选择填写好的模板文件")
    if size > limit:
        raise UploadRejected(too_large_message(size, limit), too_large=True)

    ext = extension_of(filename)
    if ext == ".xlsm" or ext == ".xltm":
        raise UploadRejected("不接受含宏的工作簿（.xlsm），请另存为 .xlsx 后再上传")
    if ext in (".xls", ".et"):
        raise UploadRejected("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传")
    if ext and ext not in EXTENSIONS:
        raise UploadRejected(f"不支持的文件类型「{ext}」，请上传 .xlsx 或 .csv 文件")
    expected = EXTENSIONS.get(ext)

    head = data[:8]
    if head.startswith(OLE_MAGIC):
        raise UploadRejected(
            "这是旧版 Excel（.xls）或加密（设置了打开密码）的工作簿，无法读取；"
            "请取消密码并另存为 .xlsx 后再上传"
        )
    if head.startswith(ZIP_MAGIC):
        if expected == "csv":
            raise UploadRejected("文件内容与扩展名不符：扩展名是 .csv，内容却是压缩包/Excel 工作簿")
        _check_xlsx(data)
        return UploadInfo("xlsx", size=size)
    if any(head.startswith(m) for m in BINARY_MAGIC):
        raise UploadRejected("文件类型不正确：这不是 Excel 工作簿或 CSV 文本文件")
    if expected == "xlsx":
        raise UploadRejected("文件类型不正确：扩展名是 .xlsx，内容却不是 Excel 工作簿（可能是改了扩展名的其他文件）")
    encoding = _text_encoding(data)
    return UploadInfo("csv", encoding=encoding, size=size)


def _check_xlsx(data: bytes) -> None:
    check_ooxml(data, ".xlsx")


#: Office Open XML packages accepted as attachments: extension → (label, main part)
OOXML_PARTS = {".xlsx": ("Excel", "xl/workbook.xml", "工作簿"), ".docx": ("Word", "word/document.xml", "文档")}


def check_ooxml(data: bytes, ext: str) -> None:
    """A .xlsx / .docx package that is safe to store or open: no zip bomb, encryption, macros
    or DTD, and the main part of its kind present; else :class:`UploadRejected`."""
    label, main_part, noun = OOXML_PARTS[ext]
    macro = ("不接受含宏的工作簿（.xlsm），请另存为不含宏的 .xlsx 后再上传" if ext == ".xlsx"
             else "不接受含宏的 Word 文档（.docm），请另存为不含宏的 .docx 后再上传")
    broken = f"{label} 文件已损坏或不完整，请重新保存后再上传"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UploadRejected(broken) from None
    if len(infos) > MAX_ENTRIES:
        raise UploadRejected(f"{label} 文件包含的部件过多（{len(infos)} 个），疑似恶意文件，已拒绝")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise UploadRejected(f"{label} 文件结构异常（存在重复部件），已拒绝")
    uncompressed = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos)
    if uncompressed > MAX_UNCOMPRESSED:
        raise UploadRejected(f"{label} 文件解压后过大（{_mb(uncompressed)}），疑似压缩炸弹，已拒绝")
    if uncompressed > 1024 * 1024 and uncompressed > MAX_RATIO * max(compressed, 1):
        raise UploadRejected(f"{label} 文件压缩比异常，疑似压缩炸弹，已拒绝")
    for info in infos:
        if info.flag_bits & 0x1:
            raise UploadRejected(f"{label} 文件已加密，请取消密码后再上传")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UploadRejected(f"{label} 文件压缩比异常，疑似压缩炸弹，已拒绝")
    lower = {n.lower() for n in names}
    if "[content_types].xml" not in lower or main_part not in lower:
        raise UploadRejected(f"文件类型不正确：这不是有效的 {label}（{ext}）{noun}")
    if any(n.endswith("vbaproject.bin") for n in lower):
        raise UploadRejected(macro)
    try:
        content_types = archive.read(next(n for n in names if n.lower() == "[content_types].xml"))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise UploadRejected(broken) from None
    if b"macroenabled" in content_types.lower():
        raise UploadRejected(macro)
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            with archive.open(info) as part:
                head = part.read(XML_HEAD)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            raise UploadRejected(broken) from None
        if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise UploadRejected(f"{label} 文件包含不允许的 XML 声明（DTD），已拒绝")


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        view = memoryview(data)
        for start in range(0, len(data), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _text_encoding(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UploadRejected("CSV 文件是 UTF-16（Unicode 文本）编码，请另存为“CSV UTF-8”或 GBK 编码的 CSV")
    if b"\x00" in data:
        raise UploadRejected("文件类型不正确：含有二进制内容，不是 CSV 文本文件")
    if data.startswith(UTF8_BOM):
        if _decodes(data[len(UTF8_BOM):], "utf-8"):
            return "utf-8-sig"
        raise UploadRejected("CSV 文件声明为 UTF-8 编码，但内容含有无效字符，请重新保存")
    if _decodes(data, "utf-8"):
        return "utf-8"
    if _decodes(data, "gb18030"):
        return "gb18030"
    raise UploadRejected("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")
