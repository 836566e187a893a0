"""The label-error loop: find rows whose label is probably wrong (out-of-fold probabilities + cleanlab's confident
learning), near-duplicates and outliers (detect; fast mode's cross-validated TF-IDF baseline, thorough mode's k-fold
fine-tuning through the run queue: folds), the background job that does it with a progress file (job, findings),
and reviewed decisions saved as a new dataset version linked to its parent (versions), plus their CLI (commands).

May import: the kernel, core.data, core.evaluate (the TF-IDF baseline) and core.jobs (the run queue). Never torch.
"""
