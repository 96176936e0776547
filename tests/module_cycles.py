#!/usr/bin/env python3
"""No import circle among the files of a crate: each directory given (default: core/src and
core/simulator/src) is read as one crate's module tree, every `crate::`, `super::` and `self::`
path outside comments, strings and `#[cfg(test)]` modules is an edge from its file to the file
of the module it names, and a strongly connected set of two or more files is a circle.

A module declared by its parent (`mod x;`) is not an edge: only what a file uses counts, so a
leaf such as `journal/charge.rs`, which imports the client while the client holds the journal's
type, keeps the graph acyclic. Prints the files and edges it read per tree; exits 1 on a circle.
"""
import collections
import os
import re
import sys

PATH = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*)(::\{([^}]*)\})?")


def read(tree):
    files = {}
    for root, _, names in os.walk(tree):
        for n in names:
            if n.endswith(".rs"):
                p = os.path.relpath(os.path.join(root, n), tree)
                text = open(os.path.join(root, n), encoding="utf-8").read()
                text = text.split("#[cfg(test)]")[0]
                text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
                text = "\n".join(re.sub(r"//.*", "", line) for line in text.split("\n"))
                files[p] = text
    return files


def module_of(p):
    parts = p[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def edges_of(files):
    mods = {module_of(p): p for p in files}
    edges = set()
    for p, text in files.items():
        cur = list(module_of(p))
        for m in PATH.finditer(text):
            segs = m.group(1).split("::")
            paths = [segs]
            if m.group(3):
                for item in m.group(3).split(","):
                    item = item.strip().split("::")[0].split(" ")[0]
                    if item and item != "self":
                        paths.append(segs + [item])
            for segs in paths:
                if segs[0] == "crate":
                    base, rest = [], segs[1:]
                elif segs[0] == "self":
                    base, rest = cur, segs[1:]
                else:
                    base, rest = cur[:-1], segs[1:]
                    while rest and rest[0] == "super":
                        base, rest = base[:-1], rest[1:]
                best = None
                for i in range(1, len(rest) + 1):
                    if tuple(base + rest[:i]) in mods:
                        best = tuple(base + rest[:i])
                if best is not None and mods[best] != p and p not in ("lib.rs", "main.rs"):
                    edges.add((p, mods[best]))
    return edges


def circles(files, edges):
    graph = collections.defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(files):
        if v not in index:
            visit(v)
    return found


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    trees = sys.argv[1:] or ["core/src", "core/simulator/src"]
    bad = False
    for tree in trees:
        files = read(os.path.join(root, tree))
        edges = edges_of(files)
        found = circles(files, edges)
        print(f"module_cycles: {tree}: {len(files)} files, {len(edges)} import edges, "
              f"{len(found)} circles")
        for c in found:
            bad = True
            print(f"module_cycles: {tree}: a circle through {', '.join(c)}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
