"""Content-Encoding (gzip, deflate) undone with a hard cap on what comes out of every layer.

httpx inflates each network chunk in one call: 2 KB of gzip-inside-gzip becomes a gigabyte
in that call, on the event loop, before any size check can run. Here every layer is
inflated with zlib's `max_length`, so no call yields more than the cap leaves, and an
answer past the cap is refused after at most cap + 1 bytes of output per layer.
"""

from __future__ import annotations

import zlib

GZIP = frozenset({"gzip", "x-gzip"})
DEFLATE = "deflate"
PASS_THROUGH = frozenset({"", "identity"})
# Encodings we know but do not ask for (Accept-Encoding is gzip, deflate): say so plainly.
NOT_READ = frozenset({"br", "zstd", "compress", "x-compress"})
MAX_LAYERS = 3
ACCEPT_ENCODING = "gzip, deflate"


class DecodedTooLarge(Exception):
    """The decoded answer would pass the cap."""


class DecodeError(ValueError):
    """The body is not what its Content-Encoding says; the message says how."""


class _Inflater:
    """One gzip or deflate layer; `deflate` may come with or without its zlib wrapper."""

    def __init__(self, encoding: str, budget: int) -> None:
        self.encoding = encoding
        self.left = budget
        self._raw_deflate_tried = encoding in GZIP
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding in GZIP else zlib.MAX_WBITS)

    def inflate(self, data: bytes) -> bytes:
        try:
            out = self._zlib.decompress(data, self.left + 1)
        except zlib.error as error:
            if self._raw_deflate_tried:
                raise DecodeError(f"{self.encoding} data is corrupt ({error})") from None
            # Some servers send raw deflate without the zlib header, as httpx also allows.
            self._raw_deflate_tried = True
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.inflate(data)
        self._raw_deflate_tried = True
        if len(out) > self.left or self._zlib.unconsumed_tail:
            raise DecodedTooLarge
        self.left -= len(out)
        return out


class BodyDecoder:
    """Feed it raw chunks; it returns decoded bytes, never more than `max_bytes` in total.

    The raw (still compressed) bytes count against the same cap: a feed is never larger
    compressed than plain.
    """

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        names = [name.strip().lower() for name in content_encoding.split(",")]
        names = [name for name in names if name not in PASS_THROUGH]
        unread = sorted(set(names) & NOT_READ)
        if unread:
            raise DecodeError(
                f"the server used Content-Encoding {', '.join(unread)} although we asked for {ACCEPT_ENCODING} only"
            )
        compressed = [name for name in names if name in GZIP or name == DEFLATE]
        if len(compressed) > MAX_LAYERS:
            raise DecodeError(
                f"Content-Encoding has {len(compressed)} layers of compression; no feed needs more than one"
            )
        # Encodings are listed in the order applied, so the last one is undone first.
        self._layers = [_Inflater(name, max_bytes) for name in reversed(compressed)]
        self._raw_left = max_bytes

    def decode(self, chunk: bytes) -> bytes:
        self._raw_left -= len(chunk)
        if self._raw_left < 0:
            raise DecodedTooLarge
        for layer in self._layers:
            chunk = layer.inflate(chunk)
        return chunk
