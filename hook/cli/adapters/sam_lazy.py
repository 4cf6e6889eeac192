"""samtranslator's model modules loaded by the piece: each top-level statement runs when a name it
defines is first read, with the statements it needs (the module's own code, from its source).

samtranslator's ``sam_resources`` imports the pydantic models of every SAM resource type at module
level, and most templates need only some of them: ``AWS::Serverless::Function``'s 59 models are read
only for a ``CapacityProviderConfig`` (its one ``CapacityProviderConfig`` model), the GraphQL API's
only for an ``AWS::Serverless::GraphQLApi``. So (``hook.cli.adapters.sam_fast``) those modules are
:class:`PieceModule` objects in ``sys.modules``:

- the first read of a name that is not set yet parses the module's source and runs, in the order
  of the source, the top-level statements that bind that name and, transitively, those binding the
  names they read (any identifier in a statement's text counts as read: never fewer than it needs) (a ``from __future__`` import always, with its compiler flags; a statement that is
  neither an import, a class, a function nor an assignment to plain names, and so could change
  what others bound, runs with everything it reads). When the names needed are most of the module,
  or the module has a statement of another kind at top level, the module's own compiled code runs
  instead, as an import would. Each statement runs at most once, so a class is never built twice;
- while samtranslator itself is imported (:func:`deferring`), a name read from such a module is a
  placeholder class instead: ``sam_resources`` reads the GraphQL API's models only in the
  annotations of ``SamGraphQLApi``'s methods, which Python 3.13 evaluates when the class is built.
  :func:`end_deferring` checks that placeholders are only in annotations (any other use is
  resolved at once), and the first real read of the module puts the real classes in those
  annotations, so once a module is used nothing differs from a normal import.

``tests/unit/test_sam_lazy.py`` compares a piece-loaded module with a normally imported one and
checks the annotations; ``tests/integration/test_sam_fast.py`` the expansions of the corpus.
"""

from __future__ import annotations
import __future__

import ast
import functools
import operator
import re
import sys
import types
import typing
from typing import Any

__all__ = ["PieceModule", "deferring", "end_deferring", "install", "piece_module"]

@functools.cache
def _identifiers() -> re.Pattern[str]:
    return re.compile(r"[^\W\d]\w*")  # compiled when a module is first parsed, not at import


#: the share of a module's statements above which its whole compiled code runs instead of pieces
WHOLE_MODULE_SHARE = 0.5
#: placeholders from samtranslator's import above which their module runs whole (unparsed)
WHOLE_FOR_PLACEHOLDERS = 3


class _Deferred(type):
    """The class of a placeholder: a name read from a :class:`PieceModule` while it defers."""

    _govhook_module: str
    _govhook_name: str

    def __repr__(cls) -> str:
        return f"<deferred {cls._govhook_module}.{cls._govhook_name}>"


class _Statement:
    __slots__ = ("binds", "effect", "node", "reads")

    def __init__(self, node: ast.stmt, lines: list[str]) -> None:
        self.node = node
        self.binds: set[str] = set()
        # every identifier of the statement's text (names read, and more: attributes, words in
        # strings): a statement needs at most these, so its slice is never short of one
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        self.reads: set[str] = set(_identifiers().findall("\n".join(lines[first - 1:node.end_lineno])))
        self.effect = False
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                self.binds.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            self.binds.add(node.name)
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            self.binds.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.simple:
            self.binds.add(node.target.id)
        else:
            self.effect = True


class PieceModule(types.ModuleType):
    """A module whose top-level statements run when a name they bind is first read."""

    def __getattr__(self, name: str) -> Any:
        state: _State = self.__dict__["_govhook_pieces"]
        return state.get(self, name)


class _State:
    def __init__(self, spec: Any, scope: str) -> None:
        self.spec = spec
        self.scope = scope
        self.statements: list[_Statement] | None = None
        self.flags = 0
        self.done: set[int] = set()
        self.whole = False
        self.deferring = False
        self.deferred: dict[str, _Deferred] = {}

    def parse(self) -> list[_Statement]:
        if self.statements is None:
            source = self.spec.loader.get_source(self.spec.name)
            tree = ast.parse(source, self.spec.origin)
            lines = source.splitlines()
            self.statements = [_Statement(node, lines) for node in tree.body]
            for st in self.statements:
                node = st.node
                if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                    for alias in node.names:
                        self.flags |= getattr(__future__, alias.name).compiler_flag
            first = tree.body[0] if tree.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                self.statements[0].effect = False  # the docstring
                self.statements[0].binds = {"__doc__"}
        return self.statements

    def get(self, module: PieceModule, name: str) -> Any:
        namespace = module.__dict__
        if self.deferring:
            stub = self.deferred.get(name)
            if stub is None:
                if name.startswith("__") and name.endswith("__"):
                    raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
                stub = _Deferred(name, (), {"__module__": module.__name__, "__qualname__": name})
                stub._govhook_module, stub._govhook_name = module.__name__, name
                self.deferred[name] = stub
            return stub
        if not self.whole:
            if name.startswith("__") and name.endswith("__") and self.statements is None \
                    and name not in (self.spec.loader.get_source(self.spec.name) or ""):
                raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")  # never bound by its code
            self.load(module, {name})
            if self.deferred:
                _resolve_deferred(module, self)
        if name in namespace:
            return namespace[name]
        raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

    def load(self, module: PieceModule, names: set[str], whole: bool = False) -> None:
        """Run the statements that bind ``names`` and those they need (in source order), or the
        whole module's code when that is most of it, a statement is of another kind, or ``whole``
        (then the source is not parsed)."""
        if self.whole:
            return
        if whole and not self.done:
            self.run_whole(module)
            return
        statements = self.parse()
        wanted = {n for n in names if any(n in st.binds for st in statements)}
        if not wanted:
            return
        needed: set[int] = set()
        todo = set(wanted)
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            seen.add(name)
            for i, st in enumerate(statements):
                if i not in needed and (name in st.binds or (st.effect and name in st.reads)):
                    needed.add(i)
                    todo |= st.reads - seen
        needed |= {i for i, st in enumerate(statements)
                   if isinstance(st.node, ast.ImportFrom) and st.node.module == "__future__"}
        needed -= self.done
        if not self.done and (len(needed) > WHOLE_MODULE_SHARE * len(statements)
                              or any(st.effect for st in statements)):
            self.run_whole(module)
            return
        for i in sorted(needed):
            code = compile(ast.Module(body=[statements[i].node], type_ignores=[]), self.spec.origin, "exec",
                           flags=self.flags, dont_inherit=True)
            self.done.add(i)
            exec(code, module.__dict__)


    def run_whole(self, module: PieceModule) -> None:
        """The module's own compiled code, as an import runs it."""
        self.whole = True
        exec(self.spec.loader.get_code(self.spec.name), module.__dict__)


def _substitute(value: Any, table: dict[Any, Any]) -> Any:
    """``value`` with each placeholder of ``table`` replaced by the real object, through the typing
    constructs an annotation builds (``X | None``, ``dict[str, X]``, ``Union[X, Y]``, ``Optional``)."""
    if isinstance(value, _Deferred):
        return table.get(value, value)  # a name the module never binds stays what was read
    args = getattr(value, "__args__", None)
    if not isinstance(args, tuple) or not args:
        return value
    new = tuple(_substitute(a, table) for a in args)
    if all(a is b for a, b in zip(new, args, strict=True)):
        return value
    if isinstance(value, types.UnionType):
        return functools.reduce(operator.or_, new)
    if isinstance(value, types.GenericAlias):
        return types.GenericAlias(typing.cast(type, value.__origin__), new)
    if typing.get_origin(value) is typing.Union:
        return typing.Union[new]  # noqa: UP007  (what typing.Union[...] in the source built)
    copy_with = getattr(value, "copy_with", None)
    if copy_with is not None:
        return copy_with(new)
    raise TypeError(f"cannot put the real classes in {value!r}")


def _holds(value: Any) -> bool:
    if isinstance(value, _Deferred):
        return True
    args = getattr(value, "__args__", None)
    return isinstance(args, tuple) and any(_holds(a) for a in args)


def _users(state: _State) -> list[types.ModuleType]:
    """The loaded modules of the module's scope (its top-level package) that hold it: where its
    placeholders went (a name read from it while it deferred)."""
    return [m for n, m in list(sys.modules.items())
            if n.startswith(state.scope) and type(m) is types.ModuleType
            and any(type(v) is PieceModule and v.__dict__.get("_govhook_pieces") is state for v in m.__dict__.values())]


def _places(module: types.ModuleType) -> list[tuple[Any, Any, bool]]:
    """Where a module's names could hold a placeholder: (mapping, key, is an annotation) for its
    globals, the attributes of the classes it defines, the annotations of those classes and of
    its functions and methods, and the functions' default values (a tuple, given as the function)."""
    out: list[tuple[Any, Any, bool]] = []

    def of_function(fn: Any) -> None:
        for f in (fn, getattr(fn, "__func__", None), getattr(fn, "fget", None), getattr(fn, "fset", None)):
            if isinstance(f, types.FunctionType):
                ann = f.__annotations__
                out.extend((ann, k, True) for k in ann)
                if f.__defaults__:
                    out.append((f, "__defaults__", False))
                if f.__kwdefaults__:
                    out.extend((f.__kwdefaults__, k, False) for k in f.__kwdefaults__)

    for key, value in list(module.__dict__.items()):
        out.append((module.__dict__, key, False))
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            of_function(value)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            ann = vars(value).get("__annotations__")  # the class's own, not a base's
            if isinstance(ann, dict):
                out.extend((ann, k, True) for k in ann)
            for attr, v in value.__dict__.items():
                if attr != "__annotations__":
                    out.append((value, attr, False))
                    of_function(v)
    return out


def _read(place: tuple[Any, Any, bool]) -> Any:
    owner, key, _ = place
    if isinstance(owner, dict):
        return owner[key]
    return getattr(owner, key) if key == "__defaults__" else owner.__dict__[key]


def _write(place: tuple[Any, Any, bool], value: Any, table: dict[Any, Any]) -> None:
    owner, key, _ = place
    if key == "__defaults__" and isinstance(owner, types.FunctionType):
        owner.__defaults__ = tuple(_substitute(v, table) for v in value)
    elif isinstance(owner, dict):
        owner[key] = _substitute(value, table)
    else:
        setattr(owner, key, _substitute(value, table))


def _found(value: Any, place: tuple[Any, Any, bool]) -> bool:
    if place[1] == "__defaults__" and isinstance(place[0], types.FunctionType):
        return any(_holds(v) for v in value)
    return _holds(value)


def _resolve_deferred(module: PieceModule, state: _State) -> None:
    """Load what the placeholders stood for and put the real objects wherever they are."""
    deferred, state.deferred = state.deferred, {}
    # what the import read in annotations (the module's main models, with everything they need):
    # the whole module, not parsed for pieces
    state.load(module, set(deferred), whole=len(deferred) >= WHOLE_FOR_PLACEHOLDERS)
    table = {stub: module.__dict__[name] for name, stub in deferred.items() if name in module.__dict__}
    for user in _users(state):
        for place in _places(user):
            value = _read(place)
            if _found(value, place):
                _write(place, value, table)


def _elsewhere(user: types.ModuleType) -> bool:
    """A placeholder anywhere but in an annotation: a global, a class attribute, a default value."""
    return any(not place[2] and _found(_read(place), place) for place in _places(user))


def piece_module(spec: Any, scope: str | None = None) -> PieceModule:
    """A :class:`PieceModule` for a module spec (its loader must give the source and the code);
    ``scope``: the prefix of the names of the modules that may read it (its top-level package)."""
    module = PieceModule(spec.name)
    module.__dict__.update({"__spec__": spec, "__loader__": spec.loader, "__file__": spec.origin,
                            "__cached__": spec.cached, "__package__": spec.parent,
                            "_govhook_pieces": _State(spec, scope or spec.name.split(".")[0])})
    return module


def install(names: tuple[str, ...]) -> list[PieceModule]:
    """Each module (not imported yet) in ``sys.modules`` and on its package as a :class:`PieceModule`."""
    import importlib.util

    out: list[PieceModule] = []
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or spec.origin is None or not hasattr(spec.loader, "get_source"):
            continue  # another samtranslator version: imported as it comes
        module = piece_module(spec)
        sys.modules[name] = module
        package, _, attr = name.rpartition(".")
        setattr(sys.modules[package], attr, module)
        out.append(module)
    return out


def deferring(modules: list[PieceModule], on: bool = True) -> None:
    for module in modules:
        module.__dict__["_govhook_pieces"].deferring = on


def end_deferring(modules: list[PieceModule]) -> None:
    """Stop deferring; a placeholder used anywhere but in an annotation is resolved now."""
    deferring(modules, False)
    for module in modules:
        state: _State = module.__dict__["_govhook_pieces"]
        if state.deferred and any(_elsewhere(user) for user in _users(state)):
            _resolve_deferred(module, state)
