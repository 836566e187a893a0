"""Comparing runs: which runs and what is read of them (loading), metric table with deltas, config diff and
per-class F1 (tables, also the `compare` CLI command), overlaid curves (curves), confusion and prediction
alignment with disagreements (alignment), whether B really beats A on the same test rows (significance: McNemar
and paired bootstraps, whose statistics are in resampling), the leaderboard and hyperparameter frame (leaderboard), and run
management: rename, tag, delete (manage).  The figures are in core.plots.

May import: the kernel, core.evaluate, core.plots, core.jobs.queue.
"""
