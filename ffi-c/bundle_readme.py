"""Writes ffi-c/README.md into a C bundle with its relative links pointing at the bundle's files.

The README's links are relative to ffi-c/ in the repository; in the bundle the same files lie
elsewhere (ffi-c/examples/sale.c is examples/sale.c, ffi-c/pascal/examples/sale.dpr is
pascal/sale.dpr). A link to a file the bundle does not ship (the unit's generator) becomes plain
text. Fails when a rewritten link names a file missing from the bundle.

Usage: python3 ffi-c/bundle_readme.py SRC_README BUNDLE_DIR DEST_PATH_IN_BUNDLE
"""
import os
import posixpath
import re
import sys

# Where a repository file lies in the bundle (prefix rules, first match wins).
LAYOUT = [
    ("include/", "include/"),
    ("ffi-c/examples/", "examples/"),
    ("ffi-c/pascal/examples/", "pascal/"),
    ("ffi-c/pascal/mppoint.pas", "pascal/mppoint.pas"),
    ("ffi-c/install.sh", "install.sh"),
    ("LICENSE-MIT", "share/doc/mppoint/LICENSE-MIT"),
    ("LICENSE-APACHE", "share/doc/mppoint/LICENSE-APACHE"),
]
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def bundle_path(repo_path, dest_dir):
    # The README under share/doc/mppoint/ (the one install.sh installs) links the examples beside it.
    if dest_dir == "share/doc/mppoint" and repo_path.startswith("ffi-c/examples/"):
        return "share/doc/mppoint/examples/" + repo_path[len("ffi-c/examples/"):]
    for src, dst in LAYOUT:
        if repo_path == src or (src.endswith("/") and repo_path.startswith(src)):
            return dst + repo_path[len(src):]
    return None


def main():
    src, bundle, dest = sys.argv[1:4]
    text = open(src, encoding="utf-8").read()
    dest_dir = posixpath.dirname(dest)
    missing = []

    def rewrite(m):
        label, target = m.group(1), m.group(2)
        if re.match(r"^[a-z]+:|^#", target):
            return m.group(0)
        path, _, anchor = target.partition("#")
        in_bundle = bundle_path(posixpath.normpath(posixpath.join("ffi-c", path)), dest_dir)
        if in_bundle is None:
            return label  # not shipped: the name stays, the link goes
        if not os.path.exists(os.path.join(bundle, in_bundle)):
            missing.append(in_bundle)
        rel = posixpath.relpath(in_bundle, dest_dir or ".")
        return f"[{label}]({rel}{'#' + anchor if anchor else ''})"

    out = LINK.sub(rewrite, text)
    if missing:
        sys.exit(f"bundle_readme.py: the bundle lacks {', '.join(sorted(set(missing)))}")
    os.makedirs(os.path.join(bundle, dest_dir), exist_ok=True)
    with open(os.path.join(bundle, dest), "w", encoding="utf-8") as f:
        f.write(out)


if __name__ == "__main__":
    main()
