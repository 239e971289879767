#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fill in the cover letter git format-patch --cover-letter wrote.

Usage: cover-letter.py COVER_PATCH COVER_TEXT LAST_PATCH [BENCH_JSON]

COVER_TEXT (patches/cover-letter.txt): line 1 the subject, the rest the
body; they replace '*** SUBJECT HERE ***' and '*** BLURB HERE ***'.  A
body line '{{bench:WHAT}}' becomes the figures scripts/bench/quote.py
prints for WHAT from BENCH_JSON (the committed run,
Documentation/results/bench/bench.json), so that the letter's figures
are regenerated from that run at every export, never typed.  The cover
letter takes the Date: of LAST_PATCH, so that the same commits always
give the same bytes.  COVER_PATCH is rewritten in place.
"""
import os
import re
import subprocess
import sys

QUOTE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "..", "bench", "quote.py")


def bench_figures(body, bench_json):
    """Replace each '{{bench:WHAT}}' line of body by quote.py's text."""
    def quote(m):
        if not bench_json or not os.path.exists(bench_json):
            sys.exit("cover-letter.py: %s asks for bench figures, and there "
                     "is no committed bench.json (%s)" % (m.group(0),
                                                          bench_json))
        return subprocess.run([sys.executable, QUOTE, bench_json,
                               m.group(1)], check=True, text=True,
                              stdout=subprocess.PIPE).stdout.rstrip("\n")
    return re.sub(r"^\{\{bench:(\w+)\}\}$", quote, body, flags=re.M)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    path, cover, last = sys.argv[1:4]
    bench_json = sys.argv[4] if len(sys.argv) == 5 else None
    text = open(path).read()
    lines = open(cover).read().rstrip('\n').split('\n')
    subject, body = lines[0].strip(), '\n'.join(lines[1:]).strip('\n')
    body = bench_figures(body, bench_json)
    date = re.search(r'^Date: .*$', open(last).read(), re.M).group(0)
    text = text.replace('*** SUBJECT HERE ***', subject, 1)
    text = text.replace('*** BLURB HERE ***', body, 1)
    text = re.sub(r'^Date: .*$', date, text, count=1, flags=re.M)
    with open(path, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
