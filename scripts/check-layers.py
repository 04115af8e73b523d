#!/usr/bin/env python3
"""Checks that the code keeps its layers: data flows one way, and nothing imports a
module above it.

    python3 scripts/check-layers.py          # exit 1 and a list of problems if any
    python3 scripts/check-layers.py --graph  # also print every module's imports
    python3 scripts/check-layers.py --self-test  # shows that each rule catches a breach

It reads `src/` (the library crate) and builds the graph of which module file refers to
which: every `use` declaration (braces expanded) and every `crate::…`, `super::…`,
`self::…` or child-module path in the code. Test-only code (`#[cfg(test)] mod …`) is left
out: it is not part of what the server runs. Then it checks:

1. no import circle at all, between any two module files (Tarjan's strongly connected
   components over the whole graph);
2. each top-level module imports only modules of a lower layer (the table below);
3. the front doors never reach persistence or a transaction: no `begin_write`, `begin(`,
   `TransactionTrait`, `state.db`, `sea_orm` or `persistence` in `src/routes/` or
   `src/web/`; `begin_write` appears only in `src/persistence/` and `src/app/`;
4. `src/domain/` does no I/O: no database, HTTP, mail, files or async runtime.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


# Lower number = lower layer. A module may import only modules of a strictly lower layer
# (besides its own top-level module, whose files only the circle check constrains).
LAYERS = {
    "domain": 0,
    "config": 1,
    "clock": 1,
    "telemetry": 1,
    "auth": 2,
    "email": 2,
    "signing": 2,
    "pools": 2,
    "pdf": 2,
    "persistence": 2,
    "state": 3,
    "http": 3,
    "qti": 3,
    "app": 4,
    "routes": 5,
    "web": 5,
    "workers": 5,
    "startup": 6,
    "cli": 6,
}
FRONT_DOORS = ("routes", "web")
FRONT_DOOR_FORBIDDEN = [
    (re.compile(r"\bbegin_write\b"), "opens a transaction (begin_write)"),
    (re.compile(r"\.begin(_with_options)?\("), "opens a transaction"),
    (re.compile(r"\bTransactionTrait\b"), "uses TransactionTrait"),
    (re.compile(r"\bstate\.db\b"), "reaches the database (state.db)"),
    (re.compile(r"\bsea_orm\b"), "uses sea_orm"),
    (re.compile(r"\bpersistence\b"), "names persistence"),
]
DOMAIN_FORBIDDEN = [
    (re.compile(r"\bsea_orm\b"), "uses sea_orm"),
    (re.compile(r"\bsqlx\b"), "uses sqlx"),
    (re.compile(r"\btokio\b"), "uses tokio"),
    (re.compile(r"\bactix_web\b"), "uses actix_web"),
    (re.compile(r"\blettre\b"), "uses lettre"),
    (re.compile(r"\bstd::fs\b"), "touches files"),
    (re.compile(r"\bstd::net\b"), "touches the network"),
    (re.compile(r"\basync fn\b"), "is async"),
]


def module_of(path: Path) -> tuple[str, ...]:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def strip_comments_and_tests(text: str) -> str:
    """Drops comments, string contents and `#[cfg(test)] mod … { … }` blocks."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if text.startswith('r#"', i):
            j = text.find('"#', i + 3)
            out.append('""')
            i = n if j < 0 else j + 2
            continue
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
            continue
        if c == "'" and i + 2 < n and (text[i + 2] == "'" or text[i + 1] == "\\"):
            j = text.find("'", i + 2)
            out.append("' '")
            i = j + 1
            continue
        out.append(c)
        i += 1
    code = "".join(out)
    # Remove test modules: `#[cfg(test)]` followed by `mod name {`, up to its closing brace.
    result = []
    pos = 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*(\{|;)", code):
        if m.start() < pos:
            continue
        result.append(code[pos : m.start()])
        if m.group(3) == ";":
            pos = m.end()
            continue
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        pos = j
    result.append(code[pos:])
    return "".join(result)


def expand_use(tree: str) -> list[str]:
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e'] (aliases already removed)."""
    tree = re.sub(r"\s+", "", tree)

    def split_top(s: str) -> list[str]:
        parts, depth, cur = [], 0, ""
        for ch in s:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        return parts + ([cur] if cur else [])

    def go(prefix: str, s: str) -> list[str]:
        if "{" not in s:
            return [prefix + s]
        head, rest = s.split("{", 1)
        body = rest[: rest.rfind("}")]
        out = []
        for part in split_top(body):
            out += go(prefix + head, part)
        return out

    return go("", tree)


USE_RE = re.compile(r"\b(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);")
PATH_RE = re.compile(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)")
CHILD_RE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.M)


def resolve(path: str, here: tuple[str, ...], modules: set) -> tuple[str, ...] | None:
    segs = [s for s in path.split("::") if s]
    if not segs:
        return None
    base: list[str]
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    elif segs[0] in ("super", "self"):
        base = list(here)
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    else:
        return None
    full = base + [s for s in segs if s not in ("*",)]
    # The longest prefix that is a module file.
    for k in range(len(full), -1, -1):
        cand = tuple(full[:k])
        if cand in modules:
            return cand
    return None


def check(quiet: bool = False) -> list[str]:
    files = sorted(p for p in SRC.rglob("*.rs") if p.name != "main.rs")
    modules = {module_of(p): p for p in files}
    module_set = set(modules)
    edges: dict[tuple, set] = {m: set() for m in modules}
    problems: list[str] = []
    for module, path in modules.items():
        raw = path.read_text(encoding="utf-8")
        code = strip_comments_and_tests(raw)
        children = set(CHILD_RE.findall(code))
        refs: list[str] = []
        for m in USE_RE.finditer(code):
            tree = m.group(1)
            # keep `as` aliases readable for expand_use
            tree = re.sub(r"\s+as\s+\w+", "", tree)
            refs += expand_use(tree)
        body = USE_RE.sub("", code)
        refs += PATH_RE.findall(body)
        for child in children:
            for m in re.finditer(r"(?<![\w:])" + child + r"((?:::\w+)+)", body):
                refs.append("self::" + child + m.group(1))
        for r in refs:
            if r.split("::")[0] in children:
                r = "self::" + r
            target = resolve(r, module, module_set)
            if target is None or target == module or target == ():
                continue
            edges[module].add(target)
        rel = path.relative_to(ROOT)
        top = module[0] if module else ""
        if top in FRONT_DOORS:
            for pattern, what in FRONT_DOOR_FORBIDDEN:
                for line_no, line in enumerate(code.splitlines(), 1):
                    if pattern.search(line):
                        problems.append(f"{rel}:{line_no}: a front door {what}")
        elif top not in ("persistence", "app") and re.search(r"\bbegin_write\b", code):
            problems.append(f"{rel}: begin_write outside persistence and the use cases")
        if top == "domain":
            for pattern, what in DOMAIN_FORBIDDEN:
                if pattern.search(code):
                    problems.append(f"{rel}: the domain {what}")

    name = lambda m: "crate::" + "::".join(m) if m else "crate"
    # Layers.
    for source, targets in edges.items():
        if not source:
            continue
        s_top = source[0]
        for t in targets:
            t_top = t[0]
            if s_top == t_top:
                continue
            if s_top not in LAYERS or t_top not in LAYERS:
                problems.append(f"{name(source)} -> {name(t)}: a module with no layer (add it to LAYERS)")
                continue
            if LAYERS[t_top] >= LAYERS[s_top]:
                problems.append(
                    f"{name(source)} imports {name(t)}: layer {s_top} ({LAYERS[s_top]}) may not import {t_top} ({LAYERS[t_top]})"
                )

    # Circles: Tarjan's strongly connected components.
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    circles: list[list] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(component)

    for v in edges:
        if v not in index:
            strong(v)
    for c in circles:
        problems.append("import circle: " + ", ".join(sorted(name(m) for m in c)))

    if "--graph" in sys.argv and not quiet:
        for source in sorted(edges):
            print(f"{name(source)} -> {', '.join(sorted(name(t) for t in edges[source])) or '-'}")
    n_edges = sum(len(t) for t in edges.values())
    if quiet:
        return problems
    if problems:
        for p in problems:
            print(p)
        print(f"layers: {len(problems)} problem(s) in {len(modules)} modules, {n_edges} imports")
    else:
        print(
            f"layers: {len(modules)} modules, {n_edges} imports: no import circle, every import points to a lower layer, no front door touches persistence or a transaction"
        )
    return problems


# Each breach is written into a copy of the tree; the check must report it.
BREACHES = [
    ("app/certificates.rs", "use crate::app::sittings::close;\n", "import circle"),
    ("app/sittings.rs", "use crate::routes::problem::ApiError;\n", "may not import routes"),
    ("routes/public/health.rs", "fn f(s: &AppState) { let _ = crate::persistence::begin_write(&s.db); }\n", "a front door opens a transaction"),
    ("domain/values.rs", "use sea_orm::DbErr;\n", "the domain uses sea_orm"),
]


def self_test() -> int:
    import shutil
    import tempfile

    global SRC, ROOT
    original_root, original_src = ROOT, SRC
    failed = 0
    for file, line, expected in BREACHES:
        with tempfile.TemporaryDirectory() as tmp:
            ROOT = Path(tmp)
            SRC = ROOT / "src"
            shutil.copytree(original_src, SRC)
            target = SRC / file
            target.write_text(line + target.read_text(encoding="utf-8"), encoding="utf-8")
            found = check(quiet=True)
            ok = any(expected in p for p in found)
            print(f"{'caught' if ok else 'MISSED'}: {file}: {line.strip()}")
            failed += not ok
    ROOT, SRC = original_root, original_src
    return 1 if failed else 0


def main() -> int:
    if "--self-test" in sys.argv:
        return self_test()
    return 1 if check() else 0


if __name__ == "__main__":
    sys.exit(main())
