"""The job system: submit / queue / stop / cancel / resume runs, the scheduler daemon that starts worker
processes on free devices, crash detection, run-time estimates and the one-click demo.

May import: the kernel and core.data. Never torch.
"""
