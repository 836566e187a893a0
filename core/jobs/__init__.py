"""The job system: submit / queue / stop / cancel / resume runs (queue), the scheduler daemon that starts worker
processes on free devices (scheduler; the hardware itself is probed by core.devices), crash detection, runs of
several torchrun processes (ranks: each rank's process, why one failed), the one-click
demo (demo) and the run commands of ``python -m core``: train, runs, show, stop, cancel, resume (commands).

May import: the kernel and core.data. Never torch.
"""
