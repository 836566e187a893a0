"""The job system: submit / queue / stop / cancel / resume runs (queue), the scheduler daemon that starts worker
processes on free devices (scheduler; the hardware itself is probed by core.devices), crash detection, runs of
several torchrun processes (ranks: each rank's process, why one failed), the one-click
demo (demo) and the run commands of ``python -m core``: train, runs, show, stop, cancel, resume (commands).
Runs on a Ray cluster: which executor a workspace uses (executor), the head's side — submitting a run as a Ray job and
following it through its log (ray_executor) — the store writes as event lines (events) and the worker's side on the
cluster, where no SQLite is opened (remote).

May import: the kernel and core.data. Never torch.
"""
