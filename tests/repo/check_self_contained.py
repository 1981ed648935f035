#!/usr/bin/env python3
"""A clone must hold everything its tests and docs need: no file may point at a directory beside
or above the repository (a user's clone has nothing beside it).

Usage: check_self_contained.py REPO_ROOT. Exits 1 naming every offending file:line.

What is beside the repository is read from the disk, not written here: every directory next to
REPO_ROOT is a name no file may reach through `../NAME`, path.join('..', 'NAME') or its absolute
path, and no file may name the checkout's own absolute path. In a clone with nothing beside it
there is nothing to depend on, and the check passes."""
import os
import re
import sys

root = os.path.abspath(sys.argv[1])
parent = os.path.dirname(root)
siblings = sorted(d for d in os.listdir(parent)
                  if d != os.path.basename(root) and os.path.isdir(os.path.join(parent, d)))
END = r"(?![\w.-])"  # the whole name: a sibling "docs" is not "docs.md" or "docs-old"
patterns = [re.escape(root) + END]                                  # this checkout's own path
for name in siblings:
    word = re.escape(name)
    patterns.append(re.escape(os.path.join(parent, name)) + END)        # /PARENT/NAME
    patterns.append(rf"\.\./{word}" + END)                             # ../NAME/...
    patterns.append(rf"['\"]\.\.['\"]\s*,\s*['\"]{word}['\"]")          # path.join('..', 'NAME')
OUTSIDE = re.compile("|".join(patterns)) if patterns else None
SKIP_DIRS = {".git", "node_modules", ".tmp", ".demo"}

problems = []
for dirpath, dirnames, filenames in os.walk(root) if OUTSIDE else []:
    dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith("build")]
    for name in filenames:
        if name in SKIP_DIRS:
            continue  # a git worktree's .git is a file pointing at the main checkout
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
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
print(f"self-contained: nothing refers to {len(siblings)} director(ies) beside {root} or to {root}")
