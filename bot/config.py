"""Load app.yaml into a Playbook, or say exactly where and why it is wrong.

The core says what a valid playbook is (core/playbook.py); this adapter owns the YAML. It keeps
the node tree so every problem points at a line and column, catches what PyYAML hides
(duplicate keys), and turns pydantic's errors into sentences a RevOps person can act on. All
problems are collected, so one edit-and-reload cycle fixes them all.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from core.playbook import Playbook

ENV_VAR = "BATON_CONFIG"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_HERE = Path(__file__).resolve().parent
PACKAGED_CONFIG = _HERE / "default_app.yaml"

Loc = tuple[str | int, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"
_HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; line and column are 1-based, None when unknowable."""

    path: str
    line: int | None
    column: int | None
    message: str
    hint: str | None = None

    def render(self, source: str) -> str:
        where = source if self.line is None else f"{source}:{self.line}"
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class ConfigError(Exception):
    """The playbook file cannot be used; `problems` lists every place and reason, in file order."""

    def __init__(self, problems: Sequence[Problem], *, source: str = "app.yaml") -> None:
        self.source = source
        self.problems: list[Problem] = sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(p.render(self.source) for p in self.problems)


# --------------------------------------------------------------------------- public API


def default_config_path() -> Path:
    """$BATON_CONFIG, else ./app.yaml, else the checkout's app.yaml, else the copy in the wheel.

    Environment is read here, not in the core: the core only ever receives a Playbook.
    """
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    local = Path("app.yaml")
    checkout = _HERE.parent
    if local.is_file():
        return local
    if (checkout / "pyproject.toml").is_file() and (checkout / "app.yaml").is_file():
        return checkout / "app.yaml"
    return PACKAGED_CONFIG


def load_playbook(path: str | Path) -> Playbook:
    """Read, parse and validate a playbook; raise ConfigError naming every problem found."""
    source = str(path)
    text = _read(Path(path), source)
    root, data, problems = _parse(text, source)
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        problems += _explain(exc.errors(), root, data)
    if problems:
        raise ConfigError(problems, source=source)
    return playbook


def problem_at(path: str | Path, loc: Loc, message: str, hint: str | None = None) -> Problem:
    """A problem found after validation (credentials missing for a segment's platform, say),
    placed on the line of `loc` in the file as written."""
    root, _, _ = _parse(_read(Path(path), str(path)), str(path))
    return _at(_resolve(root, loc).node, dotted_path(loc), message, hint)


def playbook_json_schema() -> dict[str, Any]:
    """The playbook's JSON Schema, so editors (yaml-language-server) flag mistakes as you type."""
    schema = Playbook.model_json_schema()
    schema.pop("title", None)
    return {"$schema": SCHEMA_DIALECT, "title": "Baton playbook (app.yaml)", **_relax_time_format(schema)}


def _relax_time_format(schema: Any) -> Any:
    """Accept "19:00": JSON Schema's `format: time` demands seconds and a UTC offset, pydantic doesn't."""
    if isinstance(schema, list):
        return [_relax_time_format(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    relaxed = {key: _relax_time_format(value) for key, value in schema.items()}
    if relaxed.get("format") == "time":
        del relaxed["format"]
        relaxed["pattern"] = _HH_MM
    return relaxed


# --------------------------------------------------------------------------- reading YAML


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars: what editors assume, and no silent surprises.

    YAML 1.1 (PyYAML's default) reads `19:00` as the integer 1140 (quiet hours would start at
    00:19), `2026-12-25` as a date (holidays must be strings), and `No` as false (a select
    option would stop being text).
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in rules if tag.rsplit(":", 1)[-1] not in {"bool", "int", "float", "timestamp"}]
    for first, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _read(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        hint = f"create it, or set {ENV_VAR} to the path of your playbook"
        raise ConfigError([Problem("", None, None, f"no such file: {path}", hint)], source=source) from None
    except UnicodeDecodeError as exc:
        problem = Problem("", None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        raise ConfigError([problem], source=source) from None
    except OSError as exc:
        raise ConfigError([Problem("", None, None, f"cannot read {path}: {exc.strerror}")], source=source) from None


def _parse(text: str, source: str) -> tuple[yaml.MappingNode, Any, list[Problem]]:
    """The node tree (for line numbers), the data, and the duplicate keys PyYAML would hide."""
    loader = _Yaml12Loader(text)
    try:
        root = loader.get_single_node()
        if root is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
            hint = "start from the app.yaml shipped with Baton"
            raise ConfigError([Problem("", 1, None, "the file is empty", hint)], source=source)
        if not isinstance(root, yaml.MappingNode):
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            message = f"the top level must be a mapping of keys (default_segment:, segments:, ...), not {kind}"
            raise ConfigError([_at(root, "", message)], source=source)
        problems = _duplicate_keys(root)  # before construction, which flattens `<<` merges in place
        return root, loader.construct_document(root), problems
    except yaml.YAMLError as exc:
        raise ConfigError([_syntax_problem(exc)], source=source) from None
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.YAMLError) -> Problem:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Problem("", None, None, f"not valid YAML: {exc}")
    mark = exc.problem_mark or exc.context_mark
    message = f"not valid YAML: {exc.problem or exc.context}"
    if exc.context and exc.problem and exc.context_mark is not None:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    hint = None
    if "'\\t'" in message:
        hint = "indent with spaces; YAML does not allow tabs"
    elif "mapping values are not allowed" in message:
        hint = "a value that contains ': ' must be in quotes"
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return Problem("", line, column, message, hint)


def _duplicate_keys(root: yaml.Node) -> list[Problem]:
    problems: list[Problem] = []
    visited: set[int] = set()  # aliases share nodes (and may even be recursive)

    def walk(node: yaml.Node, loc: Loc) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
                    walk(value, loc)
                    continue
                if key.value in first:
                    earlier = first[key.value].start_mark.line + 1
                    message = (f"duplicate key '{key.value}' (first on line {earlier}, again on line "
                               f"{key.start_mark.line + 1}); YAML would silently keep only the last one")
                    problems.append(_at(key, dotted_path((*loc, key.value)), message, "keep one of them"))
                first.setdefault(key.value, key)
                walk(value, (*loc, key.value))

    walk(root, ())
    return problems


# --------------------------------------------------------------------------- explaining errors


@dataclass(frozen=True)
class _Place:
    """Where a pydantic error lands in the file.

    `matched` is the part of its loc that names real keys and indexes (plus a missing key's
    name); `union` is set when the loc went through a union tag ('bool', 'list[str]'): the
    matched prefix before the tag, and the tag, so the alternatives can be compared.
    """

    node: yaml.Node
    matched: Loc
    union: tuple[Loc, str] | None


def _explain(errors: Sequence[ErrorDetails], root: yaml.MappingNode, data: Any) -> list[Problem]:
    """One Problem per error, except that a union's failed alternatives make one sentence."""
    problems: list[Problem] = []
    unions: dict[Loc, dict[str, list[tuple[ErrorDetails, _Place]]]] = {}
    for error in _split_cross_references(errors, data):
        place = _resolve(root, error["loc"], missing=error["type"] == "missing")
        if place.union is None:
            problems.append(_problem(root, error, place))
        else:
            prefix, tag = place.union
            unions.setdefault(prefix, {}).setdefault(tag, []).append((error, place))
    for prefix, alternatives in unions.items():
        problems += _union_problems(root, prefix, alternatives)
    return problems


def _split_cross_references(errors: Sequence[ErrorDetails], data: Any) -> Iterator[ErrorDetails]:
    """Give playbook-wide errors (raised at the root) the loc of the line they are about."""
    for error in errors:
        if error["loc"] or error["type"] != "value_error":
            yield error
            continue
        for line in _message(error).splitlines():
            refined = error.copy()
            refined["loc"], refined["msg"] = _refine_cross_reference(line, data) or (), line
            yield refined


def _union_problems(
    root: yaml.Node, prefix: Loc, alternatives: Mapping[str, list[tuple[ErrorDetails, _Place]]],
) -> list[Problem]:
    """Report the alternative that got furthest into the value; if none did, merge them."""
    depth = {tag: max(len(place.matched) for _, place in items) for tag, items in alternatives.items()}
    best = max(depth.values())
    chosen = [items for tag, items in alternatives.items() if depth[tag] == best]
    if best > len(prefix) or len(chosen) == 1:
        return [_problem(root, error, place) for error, place in chosen[0]]
    wanted = dict.fromkeys(
        error["msg"].removeprefix("Input should be ").split(",")[0] for items in chosen for error, _ in items
    )
    node = chosen[0][0][1].node
    return [_at(node, dotted_path(prefix), "Input should be " + " or ".join(wanted), _description(prefix))]


def _resolve(root: yaml.Node, loc: Loc, *, missing: bool = False) -> _Place:
    """Follow a pydantic loc down the YAML tree as far as real keys and indexes go.

    Parts that match nothing are union tags and are skipped; a missing key keeps its name in
    the path but the place is the mapping that should hold it.
    """
    matched: Loc
    union: tuple[Loc, str] | None
    node, matched, union = root, (), None
    for position, part in enumerate(loc):
        child = _child(node, part)
        if child is not None:
            node, matched = child, (*matched, part)
        elif missing and position == len(loc) - 1:
            matched = (*matched, part)
        elif union is None and isinstance(part, str):
            union = (matched, part)
    return _Place(node, matched, union)


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        values = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)]
        return values[-1] if values else None  # after a `<<` merge the file's own key comes last
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None


def _problem(root: yaml.Node, error: ErrorDetails, place: _Place) -> Problem:
    kind, loc = error["type"], place.matched
    if kind == "missing":
        return _at(place.node, dotted_path(loc), f"missing key '{loc[-1]}'", _description(loc))
    if kind in {"extra_forbidden", "invalid_key"}:  # invalid_key: a key YAML read as a number
        return _unknown_key(root, (*loc[:-1], str(loc[-1])), place.node)
    return _at(place.node, dotted_path(loc), _message(error), _hint(error, loc))


def _unknown_key(root: yaml.Node, loc: Loc, value: yaml.Node) -> Problem:
    """Point at the key itself (not its value) and suggest the field the author meant."""
    key, model = str(loc[-1]), _model_at(loc[:-1])
    parent = _resolve(root, loc[:-1]).node
    keys = [k for k, _ in getattr(parent, "value", []) if isinstance(k, yaml.ScalarNode) and k.value == key]
    where = keys[-1] if keys else value
    known = list(model.model_fields) if model else []
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return _at(where, dotted_path(loc), f"unknown key '{key}' — did you mean '{close[0]}'?")
    return _at(where, dotted_path(loc), f"unknown key '{key}'", f"expected one of: {', '.join(known)}" if known else None)


def _message(error: ErrorDetails) -> str:
    if error["type"] == "string_type" and error.get("input") is None:
        return "the value is empty"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _hint(error: ErrorDetails, loc: Loc) -> str | None:
    kind, value = error["type"], error.get("input")
    if kind == "enum" and isinstance(value, str):
        choices = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        return f"did you mean '{close[0]}'?" if close else None
    if kind == "string_type" and isinstance(value, int | float | bool):
        return "put it in quotes to make it text"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return "use lowercase letters, digits and underscores, starting with a letter: go_live_date"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        model = _model_at(loc)
        return f"give it the keys: {', '.join(model.model_fields)}" if model else None
    if kind == "list_type":
        return "write a list: [a, b] or one '- item' per line"
    return _description(loc)


def _description(loc: Loc) -> str | None:
    parent = _model_at(loc[:-1]) if loc else None
    field = parent.model_fields.get(str(loc[-1])) if parent else None
    return field.description if field else None


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model whose keys live at loc, found by following the schema's annotations."""
    model: type[BaseModel] | None = Playbook
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        model = _inner_model(model.model_fields[part].annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_inner_model, get_args(annotation)) if m is not None), None)


# Playbook-wide rules raise one error at the root; these find the line it is about. The data
# passed the field-level checks (the root validator only runs then), so its shape is known.
def _field_locs(data: Any) -> Iterator[tuple[str, Loc]]:
    for i, section in enumerate(data["sections"]):
        for j, spec in enumerate(section["fields"]):
            yield spec["id"], ("sections", i, "fields", j)


def _second(pairs: Iterator[tuple[str, Loc]], wanted: str) -> Loc | None:
    locs = [loc for item, loc in pairs if item == wanted]
    return (*locs[1], "id") if len(locs) > 1 else None


def _field_key(data: Any, field: str, key: str) -> Loc | None:
    loc = next((loc for item, loc in _field_locs(data) if item == field), None)
    return None if loc is None else (*loc, key)


def _required_entry(data: Any, field: str, segment: str) -> Loc | None:
    loc = _field_key(data, field, "required")
    if loc is None:
        return None
    required = data["sections"][loc[1]]["fields"][loc[3]]["required"]
    return (*loc, required.index(segment)) if segment in required else loc


_CROSS_REFERENCES: list[tuple[re.Pattern[str], Callable[..., Loc | None]]] = [
    (re.compile(r"^segment id '(.+?)' is used twice"),
     lambda d, s: _second(((x["id"], ("segments", i)) for i, x in enumerate(d["segments"])), s)),
    (re.compile(r"^section id '(.+?)' is used twice"),
     lambda d, s: _second(((x["id"], ("sections", i)) for i, x in enumerate(d["sections"])), s)),
    (re.compile(r"^field id '(.+?)' is used twice"), lambda d, s: _second(_field_locs(d), s)),
    (re.compile(r"^default_segment '(.+?)' is not a segment"), lambda d, s: ("default_segment",)),
    (re.compile(r"^field '(.+?)' is required in unknown segment '(.+?)'"), _required_entry),
    (re.compile(r"^field '(.+?)': not_before names"),
     lambda d, f: _field_key(d, f, "not_before")),
]


def _refine_cross_reference(message: str, data: Any) -> Loc | None:
    for pattern, finder in _CROSS_REFERENCES:
        match = pattern.match(message)
        if match:
            try:
                return finder(data, *match.groups())
            except (KeyError, IndexError, TypeError):  # never let error reporting itself crash
                return None
    return None


# --------------------------------------------------------------------------- small helpers


def _at(node: yaml.Node, path: str, message: str, hint: str | None = None) -> Problem:
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, message, hint)


def dotted_path(loc: Loc) -> str:
    """('sections', 2, 'fields', 0, 'type') -> 'sections[2].fields[0].type'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text

