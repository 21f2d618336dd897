"""The ER diagram of igdash's own models as Graphviz DOT text.

`manage.py er_diagram` writes docs/ER_diagram.dot and renders
docs/ER_diagram.png with Graphviz's `dot`.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

PROJECT_APPS = ("igdash", "accounts_app", "scraping", "content", "exports", "notify")


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def _node(model: type[models.Model]) -> str:
    rows = [
        f'<tr><td bgcolor="#e11d48"><font color="white"><b>{model.__name__}</b></font></td></tr>'
    ]
    for field in model._meta.concrete_fields:
        flags = []
        if field.primary_key:
            flags.append("PK")
        if field.is_relation:
            flags.append("FK")
        if getattr(field, "unique", False) and not field.primary_key:
            flags.append("unique")
        suffix = f" ({', '.join(flags)})" if flags else ""
        rows.append(
            f'<tr><td align="left">{field.name}: {field.get_internal_type()}{suffix}</td></tr>'
        )
    table = "".join(rows)
    return f'  "{model._meta.label}" [label=<<table border="0" cellborder="1">{table}</table>>];'


def to_dot() -> str:
    lines = [
        "digraph igdash {",
        '  graph [rankdir=LR, fontname="Helvetica"];',
        '  node [shape=plain, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9, color="#64748b"];',
    ]
    ours = project_models()
    for model in ours:
        lines.append(_node(model))
    for model in ours:
        for field in model._meta.concrete_fields:
            related = field.related_model
            if field.is_relation and not isinstance(related, str) and related in ours:
                style = "solid" if isinstance(field, models.OneToOneField) else "dashed"
                lines.append(
                    f'  "{model._meta.label}" -> "{related._meta.label}" '
                    f'[label="{field.name}", style={style}];'
                )
    lines.append("}")
    return "\n".join(lines) + "\n"
