#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Apply one KUnit mutant (kunit/mutants/*.mutant) to a kernel tree.

Usage: apply-mutant.py MUTANT TREE

A .mutant file: '#' comments, 'file: PATH', 'expect-fail: CASE...', then
'--- old' and '--- new' blocks.  The old text must occur exactly once in
TREE/PATH; it is replaced by the new one.  Prints the expect-fail cases.
Exits non-zero, changing nothing, when the mutant does not apply.
"""
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mutant, tree = sys.argv[1:]
    text = open(mutant).read()
    try:
        head, old, new = re.split(r'^--- (?:old|new)\n', text, flags=re.M)
    except ValueError:
        sys.exit('%s: needs one "--- old" and one "--- new" block' % mutant)
    meta = dict(re.findall(r'^(file|expect-fail): *(.*)$', head, re.M))
    if 'file' not in meta or not meta.get('expect-fail'):
        sys.exit('%s: needs "file:" and "expect-fail:" lines' % mutant)
    path = tree + '/' + meta['file']
    src = open(path).read()
    if src.count(old) != 1:
        sys.exit('%s: old text found %d times in %s'
                 % (mutant, src.count(old), meta['file']))
    with open(path, 'w') as f:
        f.write(src.replace(old, new))
    print(meta['expect-fail'])


if __name__ == '__main__':
    main()
