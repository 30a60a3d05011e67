"""Turn what ``compute`` returns into JSON the browser can read.

Numbers, strings, lists and dicts pass as they are. A numpy array with at least
:data:`PACK_AT` entries travels as its raw bytes in base64 (a quarter of the size of its
decimal text, and decoded without parsing), which the browser turns back into a typed
array with a ``shape``. Smaller arrays become plain lists.
"""
from __future__ import annotations

import base64
import math

import numpy as np

#: Arrays with at least this many entries are sent as packed bytes.
PACK_AT = 64
_CODES = {np.dtype(np.float32): "f4", np.dtype(np.float64): "f8", np.dtype(np.int32): "i4",
          np.dtype(np.uint8): "u1"}


def _finite(x: float):
    """JSON has no NaN or infinity; the browser receives null, which Plot leaves out."""
    return x if math.isfinite(x) else None


def encode(value, float_dtype=np.float32):
    """A JSON-ready copy of ``value``; large float arrays are packed as ``float_dtype``.

    Parameters
    ----------
    value : dict, list, tuple, numpy array, number, str, bool or None
    float_dtype : numpy dtype
        float32 halves the size of precomputed frames; the figures need no more.
    """
    if isinstance(value, dict):
        return {str(k): encode(v, float_dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v, float_dtype) for v in value]
    if isinstance(value, np.ndarray):
        if value.size >= PACK_AT and value.dtype.kind in "fiub":
            if value.dtype.kind == "f":
                packed = value.astype(float_dtype)
            elif value.dtype.kind == "b" or (value.dtype.kind == "u" and value.max(initial=0) < 256):
                packed = value.astype(np.uint8)
            else:
                packed = value.astype(np.int32)
            return {"__nd__": list(value.shape), "dtype": _CODES[packed.dtype],
                    "b64": base64.b64encode(np.ascontiguousarray(packed).tobytes()).decode("ascii")}
        return encode(value.tolist(), float_dtype)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _finite(float(value))
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"an explorer's compute() returned a {type(value).__name__} ({value!r:.60}); "
                    "return numbers, strings, numpy arrays, and lists or dicts of them.")


def decode(value):
    """The inverse of :func:`encode` (packed arrays come back as numpy arrays); used by tests."""
    if isinstance(value, dict):
        if "__nd__" in value:
            dtype = {code: dtype for dtype, code in _CODES.items()}[value["dtype"]]
            return np.frombuffer(base64.b64decode(value["b64"]), dtype=dtype).reshape(value["__nd__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value
