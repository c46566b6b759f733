"""The report as files: PDF (WeasyPrint), Excel (openpyxl) and CSV, all from reporting.tables."""

from dataclasses import dataclass

from reporting.selectors import Report


@dataclass(frozen=True)
class ExportedFile:
    filename: str
    content_type: str
    content: bytes


def export_file(*, report: Report, format: str) -> ExportedFile:
    raise NotImplementedError(format)  # being written: PDF, Excel, CSV
