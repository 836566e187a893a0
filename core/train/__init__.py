"""Fine-tuning, and running a model on texts: `python -m core.worker RUN_ID` → run (prepare, train, finish), the
Trainer set-up (trainer), padding, tokenised splits and length buckets (batching), batched length-sorted prediction
(inference: training's final evaluation, serving, quantisation), the callback that streams progress into the store,
the end-of-run evaluation (finish), PEFT adapters, model loading, the token cache, parameter counts and the run-time
estimate shown before launch.

May import: the kernel, core.data, core.evaluate (the report written at the end), core.jobs (CPU slots for the
estimate). torch/transformers only here, inside functions, so importing a module never loads torch.
"""
