#!/usr/bin/env python3
"""Lists the non-test C++ functions longer than a limit (issue #13: none over 80 lines).

    long-functions.py [--max N] [ROOT]

Scans every *.cc under ROOT (default: the repository) except tests/, build directories and files
ending _test.cc, _fuzz.cc or _bench.cc. A function is a brace block opened at namespace or class
scope whose header holds a parameter list; its length runs from the header's first line to the
closing brace. Lambdas and local classes count towards the function they are written in.

The scan matches braces after removing comments, string and character literals and preprocessor
lines; it does not parse C++, which is enough for this tree's formatting (clang-format, Google).
Prints "path:line: name: N lines", longest first; exits 1 when any function is over the limit.
"""
import argparse
import os
import re
import sys

SKIP_DIRS = {".git", "node_modules", "tests"}
SKIP_SUFFIXES = ("_test.cc", "_fuzz.cc", "_bench.cc")
SCOPE_KEYWORDS = re.compile(r"\b(namespace|class|struct|union|enum|extern)\b")
RAW_STRING = re.compile(r'R"([^(\s]{0,16})\(')


def blank(text):
    """The text with comments, literals and preprocessor lines replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if at_line_start and c == "#":  # a preprocessor line, with its continuations
            while i < n and not (text[i] == "\n" and text[i - 1] != "\\"):
                out.append("\n" if text[i] == "\n" else " ")
                i += 1
            continue
        at_line_start = c == "\n"
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        raw = RAW_STRING.match(text, i) if c == "R" and (i == 0 or not text[i - 1].isalnum()) else None
        if raw:
            end = text.find(")" + raw.group(1) + '"', raw.end())
            end = n if end < 0 else end + len(raw.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        if c in "\"'":
            # A digit separator (1'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j, n - 1) - i + 1))
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def function_name(header):
    """The name before the parameter list: "Foo::Bar" of "Result<int> Foo::Bar(int x) const"."""
    depth = 0
    for i, c in enumerate(header):
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif c == "(" and depth <= 0:
            words = re.findall(r"[~\w:]+(?:\s*(?:operator\s*\S+?))?$", header[:i].rstrip())
            return words[-1] if words else header[:i].strip()
    return header.strip()


def is_function_header(header):
    if "(" not in header:
        return False
    outside = re.sub(r"\([^()]*\)", "()", header)  # one level of parentheses is enough here
    outside = re.sub(r"\boperator\s*[^\s(]+", "operator", outside)
    before_paren = outside.split("(")[0]
    if SCOPE_KEYWORDS.search(before_paren):
        return False
    return "=" not in before_paren  # `T x = {...}` or `auto f = [] {...}` is not a definition


def functions(path):
    """Yields (line, name, length) for every function defined in `path`."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = blank(f.read())
    line_of = [0] * (len(text) + 1)
    line = 1
    for i, c in enumerate(text):
        line_of[i] = line
        if c == "\n":
            line += 1
    header_start = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in ";}":
            header_start = i + 1
        elif c == "{":
            header = text[header_start:i]
            if is_function_header(" ".join(header.split())):
                depth, j = 0, i
                while j < n:
                    if text[j] == "{":
                        depth += 1
                    elif text[j] == "}":
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                start = header_start + (len(header) - len(header.lstrip()))
                yield line_of[start], function_name(" ".join(header.split())), (
                    line_of[min(j, n - 1)] - line_of[start] + 1
                )
                i = j
                header_start = j + 1
            else:
                header_start = i + 1  # a namespace, class or initializer: scan inside it
        i += 1


def sources(root):
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP_DIRS and not d.startswith("build") and d != ".mirror"
        )
        for name in sorted(files):
            if name.endswith(".cc") and not name.endswith(SKIP_SUFFIXES):
                yield os.path.join(directory, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=80, help="longest allowed function (lines)")
    parser.add_argument(
        "root", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    )
    args = parser.parse_args()
    root = os.path.normpath(args.root)
    found = []
    for path in sources(root):
        for line, name, length in functions(path):
            if length > args.max:
                found.append((length, os.path.relpath(path, root), line, name))
    for length, path, line, name in sorted(found, key=lambda f: (-f[0], f[1], f[2])):
        print(f"{path}:{line}: {name}: {length} lines")
    print(f"{len(found)} function(s) over {args.max} lines", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
