"""Render a cleaning trace: the clean text with every removed span shown in place, marked with
the step that removed it and why.
"""

from __future__ import annotations

import json

import click

from newsclean.steps.base import Draft


def render(drafts: list[Draft], *, color: bool = False) -> str:
    """One section per record: kept paragraphs as they are, removed ones prefixed ``-`` with
    ``[step: reason]``, then the metadata the steps found, one ``metadata.KEY: VALUE`` line
    per field with the value as JSON (what the record's ``metadata`` holds).
    """
    out: list[str] = []
    for draft in drafts:
        record = draft.to_record()
        header = f"=== {record.id}  {record.source}"
        if record.created:
            header += f"  created={record.created}"
        if draft.duplicate_of:
            header += f"  duplicate_of={draft.duplicate_of}"
        out.append(click.style(header, bold=True) if color else header)
        for block in draft.blocks:
            if block.removal is None:
                out.append(f"  {block.text}")
                continue
            mark = f"- [{block.removal.step}: {block.removal.reason}] {block.removal.text.strip()}"
            out.append(click.style(mark, fg="red") if color else mark)
        for key, value in record.metadata.items():
            if value:
                out.append(f"  metadata.{key}: {json.dumps(value, ensure_ascii=False)}")
        out.append("")
    return "\n".join(out)
