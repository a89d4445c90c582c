"""Indexing: files in, a new index generation out (search.indexing.run), its work spread over processes by
search.indexing.workers; `Progress` and `BuildReport` (search.indexing.report) are what the CLI sees."""
from .report import BuildReport, Progress
from .run import build_index

__all__ = ["BuildReport", "Progress", "build_index"]
