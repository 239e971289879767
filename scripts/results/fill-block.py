#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Replace the generated block NAME of a Markdown file by stdin.

Usage: fill-block.py FILE NAME < TEXT

The block is every line between '<!-- BEGIN NAME: ... -->' and
'<!-- END NAME -->' (the markers stay); TEXT goes in as a fenced code
block.  A file without exactly one such block is an error: a block that
vanished from the page must not be refilled silently nowhere.
"""
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, name = sys.argv[1:]
    text = open(path).read()
    pat = re.compile(r"(^<!-- BEGIN %s:[^\n]*-->\n).*?(^<!-- END %s -->$)"
                     % (re.escape(name), re.escape(name)), re.S | re.M)
    found = pat.findall(text)
    if len(found) != 1:
        sys.exit("fill-block.py: %s has %d blocks '%s', not 1"
                 % (path, len(found), name))
    body = sys.stdin.read().rstrip("\n")
    text = pat.sub(lambda m: m.group(1) + "```\n" + body + "\n```\n"
                   + m.group(2), text)
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
