"""64-bit hashes of call ids, computed on Arrow's string buffers: no Python object per call.

A repeated call_id would count one caller twice, so every read checks that ids are unique. Equal
ids always hash equal, so distinct hashes prove the ids distinct; only when two hashes meet does a
caller need the exact (slower) comparison. Keeping 8 bytes per call is also how a file read in
batches is checked across its batches.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place: every input bit moves every output bit (wrapping)."""
    for shift, factor in ((30, _MIX_1), (27, _MIX_2), (31, None)):
        x ^= x >> np.uint64(shift)
        if factor is not None:
            x *= factor
    return x


def id_hashes(ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """One uint64 per id (nulls hash like ""), from its length and its bytes in order.

    Each id is padded with zero bytes to one width and read as 8-byte words: a few vectorised
    steps per word, whatever the text. Words past an id's end are not mixed in, so an id hashes
    the same in every batch, whatever the longest id beside it.
    """
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    ids = pc.fill_null(ids.cast(pa.binary()), b"")
    if len(ids) == 0:
        return np.zeros(0, dtype=np.uint64)
    lengths = pc.binary_length(ids)
    width = max(8, -(-pc.max(lengths).as_py() // 8) * 8)
    pads = pc.binary_repeat(pa.scalar(b"\x00", pa.binary()), pc.subtract(width, lengths))
    fixed = pc.binary_join_element_wise(ids, pads, pa.scalar(b"", pa.binary()))
    fixed = fixed.cast(pa.binary(width))
    words = np.frombuffer(fixed.buffers()[1], dtype=np.uint64)
    words = words[fixed.offset * width // 8 :][: len(ids) * width // 8].reshape(len(ids), -1)
    size = lengths.to_numpy().astype(np.int64)
    hashes = _mix(size.astype(np.uint64) * _GOLDEN)
    for j, column in enumerate(words.T):  # only an id's own words: the width is the batch's
        inside = size > 8 * j
        if inside.all():
            hashes ^= column
            _mix(hashes)
        else:
            hashes[inside] = _mix(hashes[inside] ^ column[inside])
    return hashes


def ids_unique(hashes: np.ndarray, in_place: bool = False) -> bool:
    """True when no two hashes meet (so no two ids are equal). A sort (in place: no copy of
    the hashes, which are then left sorted): numpy's hash-based np.unique is several times
    slower on uint64."""
    ordered = hashes if in_place else np.sort(hashes)
    if in_place:
        ordered.sort()
    for start in range(0, max(ordered.size - 1, 0), 1 << 20):  # no n-long temporary
        part = ordered[start : start + (1 << 20) + 1]
        if np.any(part[1:] == part[:-1]):
            return False
    return True
