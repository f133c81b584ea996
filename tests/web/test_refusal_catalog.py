"""Every refusal a page can bring up is shown in the UI language.

Actions raise English messages (the API and CLI show them as they are); pages translate
them through the table in kefu/web/messages.py. This test reads the code instead of
trusting a list: starting from the actions and queries the pages import, it follows calls
through kefu's actions, queries, access and lib modules, collects the message of every
``raise`` on the way, and fails when one has no Chinese translation. A new refusal in
code a form can reach therefore needs a catalog entry before it can be merged."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from kefu.web import i18n
from kefu.web.messages import translate_message

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "kefu" / "web" / "pages"
# API modules the workspace script calls: it shows their refusals in the page, asking for
# the user's language with Accept-Language.
SCRIPT_APIS = tuple(
    ROOT / "kefu" / "web" / "api" / "v1" / f
    for f in ("workspace.py", "conversations.py", "quality.py", "cases.py")
)
# Code the walk follows: where refusals are raised (web code translates its own).
FOLLOWED = ("kefu.actions", "kefu.queries", "kefu.lib", "kefu.access", "kefu.errors")
# Functions whose returned strings become refusals (``raise Invalid(problem)``).
MESSAGE_RETURNING = {("kefu.lib.secrets", "password_problem"), ("kefu.lib.sla", "target_problem")}
# Raise arguments that are not literal messages, and why their messages are covered.
INDIRECT = {
    "str(exc)": "re-raises a kefu.lib error whose own raise is walked",
    "problem": "a password_problem() result, walked through MESSAGE_RETURNING",
    "message": "a target_problem() (field, message) result, walked through MESSAGE_RETURNING",
    "what": "NotFound(what): '<thing> not found', sampled as such",
    "raw": "pagination's internal ValueError, caught at once and replaced by a refusal",
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SAMPLE = "1"  # stands for every interpolated value: a digit fits \d+, \w+, \S+ and .+
# Methods called on objects the walk cannot type, but pages reach: ``actor.require``.
METHOD_ROOTS = {("kefu.access", "Actor.require")}


@dataclass
class Module:
    name: str
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)


def _followed(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FOLLOWED)


@cache
def load(name: str) -> Module:
    path = ROOT.joinpath(*name.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    module = Module(name)
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            module.functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    module.functions[f"{node.name}.{item.name}"] = item
        elif isinstance(node, ast.ImportFrom) and node.module and _followed(node.module):
            for alias in node.names:
                module.imported[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            value = node.value.value
            if isinstance(value, str):
                names = (t.id for t in node.targets if isinstance(t, ast.Name))
                module.constants.update(dict.fromkeys(names, value))
    return module


def page_roots() -> set[tuple[str, str]]:
    """The actions and queries the pages and the workspace script call (imported by
    name from their modules)."""
    roots = set(METHOD_ROOTS)
    for path in (*PAGES.rglob("*.py"), *SCRIPT_APIS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and _followed(node.module):
                roots.update((node.module, alias.name) for alias in node.names)
    return {(m, f) for m, f in roots if f in load(m).functions}


def _callee(module: Module, call: ast.Call) -> tuple[str, str] | None:
    if not isinstance(call.func, ast.Name):
        return None
    name = call.func.id
    if name in module.functions:
        return module.name, name
    if name in module.imported:
        target = module.imported[name]
        return target if target[1] in load(target[0]).functions else None
    return None


def reachable() -> set[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    todo = list(page_roots())
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        module = load(key[0])
        for node in ast.walk(module.functions[key[1]]):
            if isinstance(node, ast.Call) and (callee := _callee(module, node)):
                todo.append(callee)
    return seen


def _sample(node: ast.expr, module: Module) -> str | None:
    """The message ``node`` produces, with ``SAMPLE`` for each interpolated value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else SAMPLE for part in node.values
        )
    if isinstance(node, ast.Name) and node.id in module.constants:
        return module.constants[node.id]
    return None


def _raised(function: ast.AST, module: Module) -> Iterator[tuple[ast.Call, str | None]]:
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            yield node.exc, _sample(node.exc.args[0], module)


def _returned(function: ast.AST, module: Module) -> Iterator[str]:
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value  # a (field, message) pair: its message
            message = _sample(value.elts[-1] if isinstance(value, ast.Tuple) else value, module)
            if message is not None:
                yield message


@cache
def walk() -> tuple[dict[str, str], tuple[str, ...]]:
    """(message → where it is raised, raise sites whose message cannot be read), for
    everything a page can reach."""
    found: dict[str, str] = {}
    unreadable: list[str] = []
    for module_name, function_name in sorted(reachable()):
        module = load(module_name)
        function = module.functions[function_name]
        where = f"{module_name}.{function_name}"
        for call, message in _raised(function, module):
            if isinstance(call.func, ast.Name) and call.func.id == "NotFound":
                message = f"{message or SAMPLE} not found"
            elif message is None and ast.unparse(call.args[0]) not in INDIRECT:
                unreadable.append(f"{where}: {ast.unparse(call)}")
            if message is not None:
                found.setdefault(message, where)
        if (module_name, function_name) in MESSAGE_RETURNING:
            for message in _returned(function, module):
                found.setdefault(message, where)
    return found, tuple(unreadable)


def test_the_walk_reaches_the_refusals_of_the_settings_forms():
    messages, _ = walk()
    assert "there is already a team called 1" in messages  # actions
    assert "password must have at least 1 characters" in messages  # returned by lib
    assert "1: opening times overlap" in messages  # raised in lib, re-raised by an action
    assert "your role may not do this (1)" in messages  # the permission check
    assert not any(m.startswith("slug must be") for m in messages)  # CLI only


def test_every_refusal_message_can_be_read():
    """A message built at run time must be explained in INDIRECT, or the walk misses it."""
    assert walk()[1] == ()


@pytest.mark.parametrize("message", sorted(walk()[0]))
def test_every_refusal_a_page_can_show_is_translated(message):
    token = i18n.activate("zh_CN")
    try:
        shown = translate_message(message)
    finally:
        i18n.deactivate(token)
    assert CHINESE.search(shown), (
        f"{message!r} (raised in {walk()[0][message]}) has no entry in kefu/web/messages.py"
        " or no zh_CN translation"
    )
