#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Re-quote a commit message: one run's bench figures for another's.

Usage: requote.py OLD_BENCH_JSON NEW_BENCH_JSON [OLD_QUOTE_PY] < MESSAGE > MESSAGE

A git filter-branch --msg-filter (scripts/requote-series.sh runs it on
the series): every block scripts/bench/quote.py makes of the old run
(special, growsdown, map_fixed, shmdt, pieces) that the message holds,
verbatim, is replaced by the same block of the new run.  A message
without such a block passes unchanged; a block the new run has no
figures for is an error, the message left as it was.  OLD_QUOTE_PY: the
quote.py that made the old blocks, if its output has changed since
(default: this one).
"""
import os
import subprocess
import sys

# What the patch messages quote (the cover letter fills its own
# {{bench:WHAT}} lines, scripts/kernel/cover-letter.py).
WHATS = ("special", "growsdown", "map_fixed", "shmdt", "pieces")


def quote(quote_py, bench_json, what):
    """quote.py's text for WHAT, or None if the run has no figures for it
    (run as a program: an older quote.py has the same command line)."""
    r = subprocess.run([sys.executable, quote_py, bench_json, what],
                       capture_output=True, text=True)
    return r.stdout.rstrip("\n") if r.returncode == 0 else None


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    old, new = sys.argv[1:3]
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "quote.py")
    old_quote = sys.argv[3] if len(sys.argv) == 4 else here
    msg = sys.stdin.read()
    out = msg
    for what in WHATS:
        before = quote(old_quote, old, what)
        if before is None or before not in out:
            continue
        after = quote(here, new, what)
        if after is None:
            sys.stdout.write(msg)
            sys.exit("requote.py: the new run has no figures for %r" % what)
        out = out.replace(before, after)
    sys.stdout.write(out)


if __name__ == "__main__":
    main()
