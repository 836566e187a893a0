"""Errors that end in one plain sentence for the user.

Every failure a user can cause (bad file, impossible hyperparameter, missing model, ...)
is raised as a :class:`TuneboardError` subclass whose ``str()`` is a single sentence saying
what is wrong and what to do.  The UI and the CLI show that sentence and never a traceback.
"""

from __future__ import annotations

from core.i18n import Message


class TuneboardError(Exception):
    """Base class: the sentence is shown to the user verbatim.

    Raised with a :class:`core.i18n.Message` (``DataError(message("errors.data.empty_file"))``), ``str(exc)`` is the
    English sentence (what the CLI prints after ``error:``) and ``exc.message`` lets the UI show it in its language;
    raised with plain text, both are that text.
    """

    def __init__(self, sentence: str | Message = "") -> None:
        super().__init__(str(sentence))
        self.message: str | Message = sentence


class DataError(TuneboardError):
    """An uploaded file or dataset cannot be used as it is."""


class ConfigError(TuneboardError):
    """A run configuration value is impossible or inconsistent."""


class ModelError(TuneboardError):
    """A model cannot be found or loaded."""


class RunError(TuneboardError):
    """A run cannot be started, stopped, resumed or found."""


# A training worker that ran out of memory exits with this code after writing ``OOM_MARKER`` into its run folder and
# halving the run's batch; the scheduler then starts the run again in a fresh process (no memory held by a traceback).
# The marker file, not the code alone, is what survives ``torchrun`` (which exits 1 whichever rank failed).
OOM_EXIT_CODE = 75
OOM_MARKER = "oom"
