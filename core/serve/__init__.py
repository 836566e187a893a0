"""Using a trained model: loading a run's model (batched inference itself is core.train.inference), word-level
explanations, batch-prediction jobs, export (zip + model card) and int8 quantisation.

May import: the kernel, core.data, core.train (model loading, batched inference), core.evaluate, core.jobs (queueing
side jobs and placing them on a device no training run holds).
"""
