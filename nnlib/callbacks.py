r"""Callbacks for :meth:`Sequential.fit <nnlib.model.Sequential.fit>`, and how one stops a run.

A callback is any function ``f(epoch, model, history)``. ``fit`` calls it after
every epoch (``epoch`` counts from 1), with the model in evaluation mode and
``history`` holding everything recorded so far. An object may also have

* ``on_train_begin(model, history)``: called once before the first epoch;
* ``on_train_end(model, history)``: called once after the last epoch, also
  when the run was stopped early (not when it raised an error).

To end a run early a callback raises :class:`StopTraining`. ``fit`` catches
it after calling every callback of that epoch, records ``history.stopped_epoch``
and ``history.stop_reason`` (the exception's message), and returns normally:
an early stop is an outcome, not an error.

:class:`EarlyStopping` is the standard use: stop once the validation loss has
not improved for ``patience`` epochs, and go back to the weights of the best epoch.
"""
from __future__ import annotations

import math

from ._validation import check_bool, check_choice, check_non_negative, check_positive_int


class StopTraining(Exception):
    """Raised by a callback to end ``fit`` after the current epoch; the message says why."""


#: What :class:`EarlyStopping` can watch: the lists of :class:`~nnlib.model.History` recorded once per epoch.
MONITORED = {"val_loss": "min", "val_metric": "max", "loss": "min", "train_metric": "max"}


class EarlyStopping:
    r"""Stop when a monitored value has not improved for ``patience`` epochs; restore the best weights.

    After every epoch the callback reads the newest value of
    ``history.<monitor>``. It counts as an improvement when it beats the best
    so far by more than ``min_delta`` (lower for a loss, higher for a
    metric). The weights at each new best are copied
    (:meth:`Sequential.state_dict <nnlib.model.Sequential.state_dict>`:
    parameters and running statistics). After ``patience`` epochs in a row
    without improvement it raises :class:`StopTraining`.

    With ``restore_best=True`` the model ends ``fit`` holding the weights of the
    best epoch: when it stops early, and also when the epochs run out after the
    best one. So ``predict`` afterwards uses the network that did best on the
    validation data, not the one that overfitted last.

    Parameters
    ----------
    monitor : {"val_loss", "val_metric", "loss", "train_metric"}, default "val_loss"
        The per-epoch list of :class:`~nnlib.model.History` to watch. The
        validation values need ``fit(..., validation_data=(X_val, y_val))``
        (and a ``metric`` for ``"val_metric"``).
    patience : int >= 1, default 5
        Epochs without improvement before stopping.
    min_delta : float >= 0, default 0
        Smallest change that counts as an improvement.
    mode : {"min", "max"} or None
        Whether lower or higher is better; ``None`` chooses "min" for the
        losses and "max" for the metrics (for a metric where lower is better,
        such as an error rate, pass ``mode="min"``).
    restore_best : bool, default True

    Attributes
    ----------
    best : float
        The best value seen (``inf`` or ``-inf`` before the first epoch).
    best_epoch : int
        The epoch (from 1) that reached it; 0 before the first epoch.
    stopped_epoch : int or None
        The epoch after which the callback stopped the run, or ``None``.
    wait : int
        Epochs since the last improvement.

    Examples
    --------
    >>> stop = EarlyStopping(patience=10)                                   # doctest: +SKIP
    >>> history = model.fit(X, y, validation_data=(X_val, y_val), callbacks=[stop])  # doctest: +SKIP
    >>> stop.best_epoch, history.stopped_epoch                              # doctest: +SKIP
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str | None = None, restore_best: bool = True):
        check_choice(monitor, "EarlyStopping monitor", tuple(MONITORED),
                     " These are the per-epoch lists of the History; the usual choice is 'val_loss'.")
        if mode is not None:
            check_choice(mode, "EarlyStopping mode", ("min", "max"),
                         " 'min' if lower is better, 'max' if higher is better; None chooses from the monitored name.")
        self.monitor = monitor
        self.patience = check_positive_int(patience, "EarlyStopping patience")
        self.min_delta = check_non_negative(min_delta, "EarlyStopping min_delta",
                                            " It is the smallest change that counts as an improvement, e.g. 0 or 1e-4.")
        self.mode = mode or MONITORED[monitor]
        self.restore_best = check_bool(restore_best, "EarlyStopping restore_best")
        self._reset()

    def _reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.stopped_epoch = None
        self.wait = 0
        self._best_state = None
        self._last_epoch = 0

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    # ---- the fit protocol
    def on_train_begin(self, model, history) -> None:
        """Start afresh, and check that ``fit`` records the monitored value."""
        self._reset()
        if self.monitor.startswith("val_") and not getattr(history, "validation", True):
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but fit has no validation data to "
                             "measure it on. Pass validation_data=(X_val, y_val) to fit, or monitor 'loss'.")
        if self.monitor.endswith("metric") and getattr(history, "metric_name", "") is None:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but fit was given no metric. "
                             "Pass metric='accuracy' to fit, or monitor 'val_loss'.")

    def __call__(self, epoch, model, history) -> None:
        values = getattr(history, self.monitor, None)
        if not values:
            raise ValueError(f"EarlyStopping monitors history.{self.monitor}, but it is empty after epoch {epoch}. "
                             "Pass validation_data=(X_val, y_val) (and a metric for 'val_metric') to fit.")
        value = float(values[-1])
        self._last_epoch = epoch
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._best_state = model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            restored = self._restore(model)
            raise StopTraining(
                f"early stopping after epoch {epoch}: {self.monitor} has not improved on {self.best:.4g} "
                f"(epoch {self.best_epoch}) for {self.wait} epochs"
                + (f"; the weights of epoch {self.best_epoch} are restored." if restored else ".")
            )

    def on_train_end(self, model, history) -> None:
        """Restore the best weights if the run ended (without stopping early) after its best epoch."""
        if self.stopped_epoch is None and self._last_epoch != self.best_epoch:
            self._restore(model)

    def _restore(self, model) -> bool:
        if not self.restore_best or self._best_state is None:
            return False
        model.load_state_dict(self._best_state)
        return True

    def __repr__(self):
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, min_delta={self.min_delta:g}, "
                f"mode={self.mode!r}, restore_best={self.restore_best})")
