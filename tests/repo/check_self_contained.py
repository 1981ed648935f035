#!/usr/bin/env python3
"""A clone must hold everything its tests and docs need: no file may point at a directory beside
or above the repository (the team's reference material lives outside it, users' clones do not).

Usage: check_self_contained.py REPO_ROOT. Exits 1 naming every offending file:line."""
import os
import re
import sys

root = os.path.abspath(sys.argv[1])
# Paths that climb out of the repository to a sibling folder, and absolute paths of the machines
# the project was developed on.
OUTSIDE = re.compile(r"\.\./shared\b"                       # ../shared/...
                     r"|['\"]\.\.['\"]\s*,\s*['\"]shared['\"]"   # path.join('..', 'shared')
                     r"|/work/(main|shared)\b")              # the development machines' paths
SKIP_DIRS = {".git", "node_modules", ".tmp", ".demo"}
here = os.path.relpath(os.path.abspath(__file__), root)

problems = []
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith("build")]
    for name in filenames:
        if name in SKIP_DIRS:
            continue  # a git worktree's .git is a file pointing at the main checkout
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
        if rel == here:
            continue
        try:
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if OUTSIDE.search(line):
                        problems.append(f"{rel}:{number}: refers outside the repository: {line.strip()[:120]}")
        except (UnicodeDecodeError, OSError):
            continue  # binary files cannot hold a path we would follow

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f"self-contained: no reference outside {root}")
