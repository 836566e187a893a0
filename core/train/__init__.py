"""Fine-tuning inside the worker process: `python -m core.worker RUN_ID` → Trainer set-up, batching (length
buckets, collator), the callback that streams progress into the store, PEFT adapters, model loading, the token cache
and parameter counts.

May import: the kernel, core.data, core.evaluate (the report written at the end). torch/transformers only here,
inside functions, so importing a module never loads torch.
"""
