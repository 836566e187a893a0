"""Scoring a run: scikit-learn-named metrics (metrics), the evaluation report dict (report), its plain-English
sentences (explanations), the standalone HTML export (html, with templates/report.html.j2), robustness and
efficiency/latency checks, and the TF-IDF baseline.  A run's predictions and report are written and read by the
kernel module core.results.

May import: the kernel, core.data, core.plots, core.jobs (the baseline is queued like a run), core.train.
"""
