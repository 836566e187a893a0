"""Scoring a run: scikit-learn-named metrics, the evaluation report (JSON + standalone HTML), plain-English
explanations, robustness and efficiency checks, and the TF-IDF baseline.

May import: the kernel, core.data, core.plots, core.jobs.queue (the baseline is queued like a run).
"""
