"""The labs, each a page and its check side by side: `8.hwN.md` (the page:
prose, starter, hints, solution; lessons/course/FORMAT.md) and `hwN.py` (its
`check(ctx)`, found by the lab's id: lessons.labs.checks.check_module).
"""
