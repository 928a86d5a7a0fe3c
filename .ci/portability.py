#!/usr/bin/env python3
"""weft's portability check: every `libc` item that weft's code uses where it is compiled for
macOS or FreeBSD must be defined by the `libc` crate for that target.

CI runs on Linux only, where a Linux-only name (`libc::pipe2`, `libc::__errno_location`)
compiles fine and breaks the macOS build nobody runs. This check reads the `libc` source cargo
already downloaded (the version in Cargo.lock, located with `cargo metadata`) and answers the
question for each target without a cross toolchain.

How it decides, on both sides, which code is compiled for a target:

* Modules are followed from each crate root (`src/lib.rs`, and every file of `tests/`,
  `examples/`, `benches/`) through `mod name;` declarations (`#[path]` honoured).
* `#[cfg(...)]` and `#![cfg(...)]` attributes and `cfg_if!` chains are evaluated for the
  target with three-valued logic: target facts (`unix`, `target_os`, `target_vendor`,
  `target_arch`, `target_pointer_width`, `target_env`, `target_endian`, `target_family`) are
  known; everything else (`test`, `loom`, `docsrs`, `feature = ...`, libc's own build-script
  cfgs such as `freebsd14`) is unknown. Code is left out only when its cfg is certainly false
  for the target. So on weft's side code under unknown cfgs is checked (stricter), and on
  libc's side definitions under unknown cfgs count as available (looser: e.g. an item libc
  defines only for FreeBSD 15 counts for FreeBSD). A gated item ends at its body's closing
  brace, or at `;` (or `,` for a field, arm or variant) at its own nesting level.
* weft's uses are `libc::NAME` and `libc::{A, B}` paths in compiled code and in the code
  blocks of doc comments on compiled items (doctests compile on every target too); prose in
  comments is ignored. libc's definitions are `pub` fns, consts, statics, types, structs,
  unions, enums and traits, and `pub use` names, in compiled libc code. Struct fields and
  macro-generated names are not checked.

`rustix` items are not checked by this script, so it fails if weft's code starts using any:
extend it first.

Exit status 0 when every item is defined for every target; 1 with the list of what is missing
(and where it is used) otherwise.
"""

import json
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TARGETS = {
    "aarch64-apple-darwin": {"target_os": "macos", "target_vendor": "apple", "target_arch": "aarch64"},
    "x86_64-apple-darwin": {"target_os": "macos", "target_vendor": "apple", "target_arch": "x86_64"},
    "x86_64-unknown-freebsd": {"target_os": "freebsd", "target_vendor": "unknown", "target_arch": "x86_64"},
}
COMMON_FACTS = {
    "target_family": "unix",
    "target_pointer_width": "64",
    "target_endian": "little",
    "target_env": "",
}
# Bare cfg names with a known value on every target above.
KNOWN_NAMES = {"unix": True, "windows": False, "miri": False}
UNKNOWN = None


# ----- reading Rust source -----------------------------------------------------------------


def lex(text):
    """Returns (code, docs): `code` is `text` with comments blanked and the brackets and
    separators inside string and char literals blanked (so a quoted brace cannot unbalance
    anything; strings keep their letters, which cfg predicates need), same length as `text`;
    `docs` lists (position, line) for each doc-comment line."""
    out = list(text)
    docs = []
    i, n = 0, len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            if text.startswith(("///", "//!"), i) and not text.startswith("////", i):
                docs.append((i, text[i + 3 : j]))
            blank(i, j)
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif c == '"' or (c in "rb" and re.match(r'(?:b?r#*"|b")', text[i:i + 4]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            m = re.match(r'(b?r)(#*)"', text[i:])
            if m:
                end = text.find('"' + m.group(2), i + m.end())
                end = n if end < 0 else end + 1 + len(m.group(2))
            else:
                j = text.index('"', i) + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                end = j + 1
            for k in range(i + 1, end - 1):
                if out[k] in "{}()[];,":
                    out[k] = " "
            i = end
        elif c == "'":
            m = re.match(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'])'", text[i:])
            if m:
                blank(i, i + m.end())
                i += m.end()
            else:
                i += 1  # a lifetime or a label
        else:
            i += 1
    return "".join(out), docs


def match_close(code, pos):
    """Index of the bracket closing the one at `pos`."""
    opening = code[pos]
    closing = {"(": ")", "[": "]", "{": "}"}[opening]
    depth = 0
    for k in range(pos, len(code)):
        if code[k] == opening:
            depth += 1
        elif code[k] == closing:
            depth -= 1
            if depth == 0:
                return k
    raise ValueError(f"unbalanced {opening!r} at {pos}")


# ----- cfg predicates -----------------------------------------------------------------------


def parse_cfg(src):
    tokens = re.findall(r'"[^"]*"|[A-Za-z_][A-Za-z0-9_]*|[(),=]', src)
    pos = 0

    def expr():
        nonlocal pos
        name = tokens[pos]
        pos += 1
        if pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            args = []
            while tokens[pos] != ")":
                args.append(expr())
                if tokens[pos] == ",":
                    pos += 1
            pos += 1
            return (name, args)
        if pos < len(tokens) and tokens[pos] == "=":
            value = tokens[pos + 1].strip('"')
            pos += 2
            return ("kv", name, value)
        return ("name", name)

    return expr()


def evaluate(node, facts):
    kind = node[0]
    if kind == "name":
        return KNOWN_NAMES.get(node[1], UNKNOWN)
    if kind == "kv":
        return (facts[node[1]] == node[2]) if node[1] in facts else UNKNOWN
    values = [evaluate(arg, facts) for arg in node[1]]
    if kind == "all":
        return False if False in values else (True if all(v is True for v in values) else UNKNOWN)
    if kind == "any":
        return True if True in values else (False if all(v is False for v in values) else UNKNOWN)
    if kind == "not":
        return UNKNOWN if values[0] is UNKNOWN else not values[0]
    return UNKNOWN


# ----- one file, one target -----------------------------------------------------------------

ITEM_KEYWORDS = re.compile(
    r"(?:pub\b|fn\b|const\b|static\b|struct\b|enum\b|union\b|impl\b|trait\b|mod\b|use\b|"
    r"extern\b|type\b|unsafe\b|async\b|macro_rules\b|let\b)"
)
EVENT = re.compile(
    r"#\s*(!?)\s*\[\s*cfg\s*\(|\bcfg_if\s*!\s*\{|"
    r"(?:#\s*\[\s*path\s*=\s*\"([^\"]*)\"\s*\]\s*)?\b(?:pub(?:\s*\([^)]*\))?\s+)?mod\s+([A-Za-z_]\w*)\s*;"
)


def item_end(code, pos, limit):
    """End of the item, statement, field or arm starting at `pos` (attributes included)."""
    while True:
        m = re.compile(r"\s*#\s*\[").match(code, pos)
        if not m:
            break
        pos = match_close(code, m.end() - 1) + 1
    m = re.compile(r"\s*").match(code, pos)
    start = m.end()
    is_item = bool(ITEM_KEYWORDS.match(code, start))
    depth = 0
    k = start
    while k < limit:
        c = code[k]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return k
            depth -= 1
            if depth == 0 and c == "}":
                return k + 1
        elif depth == 0 and (c == ";" or (c == "," and not is_item)):
            return k + 1
        k += 1
    return limit


def attribute_group_start(code, pos):
    """Start of the run of attributes (and blanked doc comments) that ends at `pos`."""
    k = pos
    while True:
        j = k
        while j > 0 and code[j - 1].isspace():
            j -= 1
        if j > 0 and code[j - 1] == "]":
            depth, m = 0, j - 1
            while m >= 0:
                if code[m] == "]":
                    depth += 1
                elif code[m] == "[":
                    depth -= 1
                    if depth == 0:
                        break
                m -= 1
            h = m - 1
            while h >= 0 and code[h].isspace():
                h -= 1
            if h >= 0 and code[h] == "#":
                k = h
                continue
        return j


class FileScan:
    """What of one file is compiled for one target: skipped ranges and child modules."""

    def __init__(self, path, facts):
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.code, self.docs = lex(self.text)
        self.facts = facts
        self.skips = []
        self.mods = []  # (name, explicit path or None, enclosing inline modules)
        self.inline = [
            (m.group(1), m.end() - 1, match_close(self.code, m.end() - 1))
            for m in re.finditer(r"\bmod\s+([A-Za-z_]\w*)\s*\{", self.code)
        ]
        self.scan(0, len(self.code))

    def inline_path(self, pos):
        """The inline `mod name { ... }` blocks around `pos`, outermost first."""
        return [name for name, a, b in self.inline if a < pos < b]

    def scan(self, start, end):
        code = self.code
        i = start
        while i < end:
            m = EVENT.search(code, i, end)
            if not m:
                return
            # A `#[path = ".."] mod name;` also starts with `#`: the mod name tells it apart.
            if m.group(0).startswith("#") and m.group(3) is None:
                inner = m.group(1) == "!"
                open_paren = m.end() - 1
                close_paren = match_close(code, open_paren)
                attr_end = code.index("]", close_paren) + 1
                value = evaluate(parse_cfg(code[open_paren + 1 : close_paren]), self.facts)
                if value is False:
                    if inner:  # `#![cfg(...)]`: the whole enclosing module
                        self.skips.append((start, end))
                        return
                    stop = item_end(code, attr_end, end)
                    self.skips.append((attribute_group_start(code, m.start()), stop))
                    i = stop
                else:
                    i = attr_end
            elif m.group(0).startswith("cfg_if"):
                body_open = m.end() - 1
                body_close = match_close(code, body_open)
                self.cfg_if(body_open + 1, body_close)
                i = body_close + 1
            else:
                self.mods.append((m.group(3), m.group(2), self.inline_path(m.start())))
                i = m.end()

    def cfg_if(self, start, end):
        code = self.code
        pos, decided = start, False
        while True:
            m = re.compile(r"\s*(?:else\s*)?(if\s*#\s*\[\s*cfg\s*\(|\{)").match(code, pos, end)
            if not m:
                return
            if m.group(1) == "{":
                value, body_open = True, m.end() - 1
            else:
                open_paren = m.end() - 1
                close_paren = match_close(code, open_paren)
                value = evaluate(parse_cfg(code[open_paren + 1 : close_paren]), self.facts)
                body_open = code.index("{", code.index("]", close_paren))
            body_close = match_close(code, body_open)
            if decided or value is False:
                self.skips.append((body_open, body_close + 1))
            else:
                self.scan(body_open + 1, body_close)
                decided = value is True
            pos = body_close + 1

    def live(self, pos):
        return not any(a <= pos < b for a, b in self.skips)

    def live_code(self):
        chars = list(self.code)
        for a, b in self.skips:
            for k in range(a, b):
                if chars[k] != "\n":
                    chars[k] = " "
        return "".join(chars)

    def line_of(self, pos):
        return self.text.count("\n", 0, pos) + 1


def module_files(root, facts):
    """Every file reachable from crate root `root` for a target, with its scan."""
    scans, stack = {}, [(root, True)]
    while stack:
        path, dir_owner = stack.pop()
        if path in scans:
            continue
        scan = FileScan(path, facts)
        scans[path] = scan
        base = os.path.dirname(path)
        if not dir_owner:
            base = os.path.join(base, os.path.splitext(os.path.basename(path))[0])
        for name, explicit, inline in scan.mods:
            here = os.path.join(base, *inline)
            if explicit:
                candidates = [os.path.join(os.path.dirname(path), *inline, explicit)]
            else:
                candidates = [os.path.join(here, name + ".rs"), os.path.join(here, name, "mod.rs")]
                # A `mod` inside a `macro_rules!` body (libc's `prelude!`) is declared where the
                # macro expands: in practice, the crate root.
                top = os.path.dirname(root)
                candidates += [os.path.join(top, name + ".rs"), os.path.join(top, name, "mod.rs")]
            found = [c for c in candidates if os.path.isfile(c)]
            if not found:
                raise SystemExit(f"portability: cannot find module `{name}` declared in {path}")
            child = os.path.normpath(found[0])
            stack.append((child, os.path.basename(child) == "mod.rs" or bool(explicit and child.endswith("mod.rs"))))
    return scans


# ----- libc's side --------------------------------------------------------------------------

DEFINITION = re.compile(
    r"\bpub(?:\s*\([^)]*\))?\s+(?:\{const\}\s+)?(?:unsafe\s+)?(?:const\s+)?(?:unsafe\s+)?"
    r"(?:extern\s+\"[^\"]*\"\s+)?(?:fn|const|static|type|struct|union|enum|trait)\s+(?:mut\s+)?"
    r"([A-Za-z_]\w*)"
)
PUB_USE = re.compile(r"\bpub(?:\s*\([^)]*\))?\s+use\s+([^;]*);")


def libc_definitions(libc_dir, facts):
    names = set()
    for scan in module_files(os.path.join(libc_dir, "src", "lib.rs"), facts).values():
        code = scan.live_code()
        names.update(DEFINITION.findall(code))
        for use in PUB_USE.findall(code):
            for part in re.split(r"[{},]", use):
                part = part.strip()
                if not part or part.endswith("*"):
                    continue
                alias = re.search(r"\bas\s+([A-Za-z_]\w*)\s*$", part)
                names.add(alias.group(1) if alias else part.split("::")[-1].strip())
    return names


# ----- weft's side --------------------------------------------------------------------------

LIBC_PATH = re.compile(r"\blibc\s*::\s*(\{[^}]*\}|\*|[A-Za-z_]\w*)")
RUSTIX_PATH = re.compile(r"\brustix\s*::\s*[A-Za-z_]\w*(?:\s*::\s*[A-Za-z_{][\w, {}]*)?")
PROSE_FENCES = {"text", "sh", "console", "toml", "json", "bash"}


def crate_roots():
    with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
        manifest = tomllib.load(f)
    roots = []
    for member in ["."] + manifest.get("workspace", {}).get("members", []):
        d = os.path.normpath(os.path.join(ROOT, member))
        for rel in ("src/lib.rs", "src/main.rs"):
            if os.path.isfile(os.path.join(d, rel)):
                roots.append(os.path.join(d, rel))
        for sub in ("tests", "examples", "benches", "src/bin"):
            folder = os.path.join(d, sub)
            if os.path.isdir(folder):
                roots += sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".rs"))
    return roots


def doc_code_lines(scan):
    """Doc-comment lines inside code fences, on compiled items: (position, text)."""
    lines, fence = [], None
    for pos, line in scan.docs:
        stripped = line.strip()
        if stripped.startswith("```"):
            if fence is None:
                info = stripped[3:].strip().split(",")[0].strip()
                fence = info or "rust"
            else:
                fence = None
            continue
        if fence is not None and fence not in PROSE_FENCES and scan.live(pos):
            lines.append((pos, line.lstrip().removeprefix("# ")))
    return lines


def weft_uses(facts):
    uses, rustix, files = {}, [], set()
    for root in crate_roots():
        for path, scan in module_files(root, facts).items():
            files.add(path)
            code = scan.live_code()
            sources = [(m.start(), m.group(1)) for m in LIBC_PATH.finditer(code)]
            sources += [(p, m.group(1)) for p, line in doc_code_lines(scan) for m in LIBC_PATH.finditer(line)]
            for pos, what in sources:
                where = f"{os.path.relpath(path, ROOT)}:{scan.line_of(pos)}"
                if what == "*":
                    raise SystemExit(f"portability: `libc::*` at {where} cannot be checked; name the items")
                for name in re.findall(r"[A-Za-z_]\w*", what):
                    if name not in ("self", "as"):
                        uses.setdefault(name, set()).add(where)
            rustix += [f"{os.path.relpath(path, ROOT)}:{scan.line_of(m.start())}" for m in RUSTIX_PATH.finditer(code)]
    return uses, rustix, files


def libc_dir():
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    )
    versions = {p["version"]: p["manifest_path"] for p in meta["packages"] if p["name"] == "libc"}
    if not versions:
        raise SystemExit("portability: libc is not in the dependency graph")
    newest = max(versions, key=lambda v: [int(x) for x in re.findall(r"\d+", v)])
    return os.path.dirname(versions[newest]), newest


def main():
    directory, version = libc_dir()
    print(f"portability: libc {version} from {directory}")
    failed = False
    for target, specific in TARGETS.items():
        facts = {**COMMON_FACTS, **specific}
        defined = libc_definitions(directory, facts)
        uses, rustix, files = weft_uses(facts)
        missing = sorted(name for name in uses if name not in defined)
        print(
            f"  {target}: {len(files)} weft source files compiled, {len(uses)} libc items used, "
            f"{len(defined)} defined by libc for this target"
        )
        print("    checked: " + " ".join(sorted(uses)))
        if rustix:
            failed = True
            print(f"    FAIL: rustix is used ({', '.join(rustix)}) but this check does not cover it yet")
        for name in missing:
            failed = True
            print(f"    FAIL: libc::{name} is not defined for {target}; used at {', '.join(sorted(uses[name]))}")
    if failed:
        print(
            "portability: FAILED. Move the code behind cfg(target_os = \"linux\") in reactor/src/sys/linux/ "
            "(with a portable fallback beside it), or use an item every Unix has."
        )
        return 1
    print("portability: ok — every libc item weft compiles for macOS and FreeBSD is defined there; no rustix items used")
    return 0


if __name__ == "__main__":
    sys.exit(main())
