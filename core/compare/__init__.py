"""Comparing runs: metric tables with deltas, curves, config diffs, aligned predictions, the leaderboard, and
run management (rename, tag, delete).

May import: the kernel, core.evaluate, core.plots, core.jobs.queue.
"""
