#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fill in the cover letter git format-patch --cover-letter wrote.

Usage: cover-letter.py COVER_PATCH COVER_TEXT LAST_PATCH

COVER_TEXT (patches/cover-letter.txt): line 1 the subject, the rest the
body; they replace '*** SUBJECT HERE ***' and '*** BLURB HERE ***'.  The
cover letter takes the Date: of LAST_PATCH, so that the same commits
always give the same bytes.  COVER_PATCH is rewritten in place.
"""
import re
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, cover, last = sys.argv[1:]
    text = open(path).read()
    lines = open(cover).read().rstrip('\n').split('\n')
    subject, body = lines[0].strip(), '\n'.join(lines[1:]).strip('\n')
    date = re.search(r'^Date: .*$', open(last).read(), re.M).group(0)
    text = text.replace('*** SUBJECT HERE ***', subject, 1)
    text = text.replace('*** BLURB HERE ***', body, 1)
    text = re.sub(r'^Date: .*$', date, text, count=1, flags=re.M)
    with open(path, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
