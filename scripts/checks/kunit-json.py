#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the JSON report of 'kunit.py run --json=FILE'.

  kunit-json.py counts FILE   print "PASSED FAILED SKIPPED" over every test
                              case; an unreadable or missing report counts
                              as one failure (kunit.py never got that far)
  kunit-json.py failed FILE   print the name of every case that did not
                              pass, one per line (nothing if unreadable)
"""
import json
import sys


def cases(group):
    """Every test case of a suite and of its sub-suites."""
    yield from group.get("test_cases", [])
    for sub in group.get("sub_groups", []):
        yield from cases(sub)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("counts", "failed"):
        sys.exit(__doc__)
    cmd, path = sys.argv[1:]
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError):
        report = None

    if cmd == "failed":
        for case in cases(report or {}):
            if case.get("status") != "PASS":
                print(case.get("name", "?"))
        return

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    if report is None:
        counts["FAIL"] += 1
    for case in cases(report or {}):
        status = case.get("status", "FAIL")
        counts[status if status in counts else "FAIL"] += 1
    print(counts["PASS"], counts["FAIL"], counts["SKIP"])


if __name__ == "__main__":
    main()
