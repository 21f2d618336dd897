"""Import Instagram's own "Download your information" export as a scrape
(docs/import.md).

import_export(account, sources) -> Scrape   the finalised import scrape
read_export(sources) -> ExportLists         parse and validate only
summary(scrape) -> str                      one line for the owner
Source(name, stream)                        one file given by the owner
ImportFileError                             the files are refused; nothing was written
"""

from __future__ import annotations

from scraping.imports.archive import ExportLists, ImportFileError, Source, read_export
from scraping.imports.service import import_export, summary

__all__ = ["ExportLists", "ImportFileError", "Source", "import_export", "read_export", "summary"]
