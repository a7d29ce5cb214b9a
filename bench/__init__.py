"""gradtour's benchmark suite: `make bench` (or `python -m bench`).

Every figure is taken the way a learner meets the app: the real `gradtour`
command in a pseudo-terminal, its output read back by a terminal emulator
(tests/terminal.py). Each figure sits next to a baseline measured in the
same run, so that a ratio stays meaningful on a shared, noisy machine.
Results: bench/RESULTS.md.
"""
