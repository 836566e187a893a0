"""Hyperparameter sweeps with Optuna: which settings to search and their ranges (space), the sweep's record in the
workspace (record), the Optuna study, pruners and parameter importance (study), the detached driver process that asks
Optuna for trials, queues each as an ordinary run and prunes poor ones from their validation scores (driver), starting,
stopping, resuming and promoting a sweep (manage) and the ``python -m core sweep`` commands (commands).

A sub-package of core.jobs (trials are runs of the job system), so it may import what core.jobs may: the kernel and
core.data.  Never torch; optuna only inside functions.
"""
