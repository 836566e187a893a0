"""Entry point of a training worker: ``python -m core.worker RUN_ID`` (the logic lives in :mod:`core.train.worker`).

Kept at the top of ``core`` because it is the documented command that the scheduler, torchrun and users start.
"""

import sys

from core.train.worker import main

if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m core.worker RUN_ID", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
