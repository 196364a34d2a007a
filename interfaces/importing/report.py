"""The outcome of an import as one JSON-ready document (API response, CLI --json)."""

from __future__ import annotations

from typing import Any

from application.import_rows import ImportReport, RowProblem
from interfaces.importing.rows import ParsedFile


def _problem(problem: RowProblem) -> dict[str, Any]:
    return {
        "row": problem.row,
        "field": problem.field,
        "severity": problem.severity,
        "message": problem.message,
        # Programs key off the stable code and its params, never off the English message.
        "code": problem.code,
        "params": dict(problem.params),
    }


def report_document(parsed: ParsedFile, report: ImportReport) -> dict[str, Any]:
    """File facts, counts, and every row with its outcome and problems."""
    return {
        "file": {
            "format": parsed.format,
            "encoding": parsed.encoding,
            "sheet": parsed.sheet,
            "layout": parsed.layout.code,
            "layout_title": parsed.layout.title,
            "header_row": parsed.header_row,
            "columns": [{"header": h, "field": f} for h, f in parsed.columns],
            "ignored_columns": list(parsed.ignored_columns),
            # Said once for the file; ``stands_for`` names the row problem it explains.
            "notices": [
                {
                    "code": n.code,
                    "message": n.message,
                    "params": dict(n.params),
                    "stands_for": n.stands_for,
                }
                for n in parsed.notices
            ],
        },
        "dry_run": report.dry_run,
        "applied": report.applied,
        "aborted": report.aborted,
        "position": report.position,
        "counts": {
            **report.counts,
            "skipped": len(parsed.skipped),
            "rows": len(report.rows) + len(parsed.skipped),
        },
        "skipped": [
            {"row": s.row, "name": s.name, "service": s.service, "reason": "care_benefit"}
            for s in parsed.skipped
        ],
        "rows": [
            {
                "row": r.row,
                "source_key": r.source_key,
                "name": r.name,
                "outcome": r.outcome,
                "resource_id": str(r.resource_id) if r.resource_id else None,
                "changed": list(r.changed),
                "problems": [_problem(p) for p in r.problems],
            }
            for r in report.rows
        ],
    }
