"""A JSON Schema of config.yaml's `menu:` section, derived from the node
registry: editors that speak JSON Schema (VS Code's YAML extension, ...)
complete and check node fields as admins type. `ivr validate` remains the
judge: it also checks what a schema cannot (targets, hours, prompt files,
quoted DTMF keys, loops).

Shape: JSON Schema draft 2020-12, one `$defs` entry per node type.
"""

from __future__ import annotations

from typing import Any

from .nodes import REGISTRY, FieldKind, FieldSpec, NodeType
from .nodes.base import MAX_TIMEOUT

DTMF_PATTERN = "^[0-9*#]+$"
_NAME = {"type": "string", "minLength": 1}
_SAY = {"type": "object", "required": ["say"], "additionalProperties": False,
        "properties": {"say": _NAME, "value": {"type": "string"}}}
_PROMPT_ITEM = {"anyOf": [_NAME, _SAY]}


def _field_schema(f: FieldSpec) -> dict[str, Any]:
    kind = f.kind
    if kind is FieldKind.PROMPT:
        out: dict[str, Any] = {"anyOf": [_PROMPT_ITEM, {"type": "array", "items": _PROMPT_ITEM}]}
    elif kind is FieldKind.SECONDS:
        out = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT}
    elif kind is FieldKind.COUNT:
        out = {"type": "integer", "minimum": f.low}
        if f.high is not None:
            out["maximum"] = f.high
    elif kind is FieldKind.DTMF:
        out = {"type": "string", "pattern": DTMF_PATTERN}
    elif kind in (FieldKind.DIGIT_TARGETS, FieldKind.DIGIT_LANGUAGES):
        out = {"type": "object", "propertyNames": {"pattern": DTMF_PATTERN}, "additionalProperties": _NAME,
               "minProperties": 1}
    elif kind is FieldKind.WAYS:
        way = {"enum": list(f.choices)}
        out = {"anyOf": [way, {"type": "array", "items": way}]}
    else:  # TARGET, QUEUE, HOURS, TEXT
        out = {"type": "string"}
    if f.doc:
        out["description"] = f.doc
    return out


def node_schema(node_type: NodeType) -> dict[str, Any]:
    props: dict[str, Any] = {"type": {"const": node_type.name}}
    props.update({f.name: _field_schema(f) for f in node_type.fields})
    return {"type": "object", "description": node_type.doc, "required": ["type"] +
            [f.name for f in node_type.fields if f.required], "properties": props, "additionalProperties": False}


def menu_schema() -> dict[str, Any]:
    """The schema of `menu:` (entry, languages, nodes), one definition per registered node type."""
    defs = {name: node_schema(t) for name, t in REGISTRY.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "IVR menu (config.yaml menu:)",
        "type": "object",
        "required": ["entry", "nodes"],
        "additionalProperties": False,
        "properties": {
            "entry": _NAME,
            "languages": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "nodes": {"type": "object", "minProperties": 1,
                      "additionalProperties": {"oneOf": [{"$ref": f"#/$defs/{n}"} for n in defs]}},
        },
        "$defs": defs,
    }
