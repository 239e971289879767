#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Re-quote a commit message: one run's bench figures for another's.

Usage: requote.py OLD_BENCH_JSON NEW_BENCH_JSON < MESSAGE > MESSAGE

A git filter-branch --msg-filter (scripts/requote-series.sh runs it on
the series): every block scripts/bench/quote.py makes of the old run
(special, growsdown, map_fixed, shmdt, pieces) that the message holds,
verbatim, is replaced by the same block of the new run.  A message
without such a block passes unchanged; a block the new run has no
figures for is an error, the message left as it was.
"""
import importlib.util
import json
import os
import sys

# What the patch messages quote (the cover letter fills its own
# {{bench:WHAT}} lines, scripts/kernel/cover-letter.py).
WHATS = ("special", "growsdown", "map_fixed", "shmdt", "pieces")


def load_quote():
    spec = importlib.util.spec_from_file_location(
        "quote", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "quote.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    quote = load_quote()
    old, new = (json.load(open(p)) for p in sys.argv[1:])
    msg = sys.stdin.read()
    out = msg
    for what in WHATS:
        before = quote.quote(old, what)
        if before is None or before not in out:
            continue
        after = quote.quote(new, what)
        if after is None:
            sys.stdout.write(msg)
            sys.exit("requote.py: the new run has no figures for %r" % what)
        out = out.replace(before, after)
    sys.stdout.write(out)


if __name__ == "__main__":
    main()
