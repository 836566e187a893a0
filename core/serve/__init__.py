"""Using a trained model: loading a run's model, batched inference, word-level explanations, batch-prediction
jobs, export (zip + model card) and int8 quantisation.

May import: the kernel, core.data, core.train (model loading), core.evaluate, core.jobs.queue.
"""
