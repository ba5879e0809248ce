"""Domain names on the wire: encoding, and strict decoding of compressed names.

RFC 1035 §3.1 and §4.1.4, read as dnspython 2.9 reads them, so that a name dnspython
rejects is rejected here too:

- a name (with its root label) is at most 255 octets, so at most 127 labels;
- only plain labels (high bits 00) and compression pointers (11) exist; 01 and 10 are
  rejected (RFC 6891 §5 retired the extended label types);
- a pointer points strictly before the start of the part of the name that holds it, and the
  part it points to must end before that start: every jump goes backwards into bytes not yet
  used by this name, so reading one name touches each octet of the message at most once;
- at most 16 pointers in one name (dnspython's ``MAX_COMPRESSION_POINTER_CHAIN``).

Reading stops at the first octet over 255, so a name costs at most ~255 octets of work
whatever the message holds (a "decompression bomb" of thousands of owners pointing at a
10,000-label name fails on the first owner).
"""

from __future__ import annotations

MAX_NAME_OCTETS = 255
MAX_POINTER_HOPS = 16

#: offset of a name read in place → (text, octets with the root, end of its first run of
#: labels, pointers followed). Answers point back to the question's name again and again.
NameCache = dict[int, tuple[str, int, int, int]]


class WireError(ValueError):
    """A name cannot be put on the wire, or a message cannot be read."""


def encode_name(name: str) -> bytes:
    """*name* (no trailing dot needed) as uncompressed wire labels (RFC 1035 §3.1).

    :raises WireError: a label is empty, over 63 octets or not ASCII, or the name is over
        255 octets.
    """
    text = name.rstrip(".")
    if not text:
        return b"\x00"
    try:
        labels = text.encode("ascii").split(b".")
    except UnicodeEncodeError:
        raise WireError(f"{name!r} is not ASCII (give IDNs as A-labels)") from None
    for label in labels:
        if not 0 < len(label) < 64:
            raise WireError(f"{name!r}: label {label!r} must be 1-63 octets (RFC 1035 §2.3.4)")
    wire = b"".join([bytes((len(label),)) + label for label in labels]) + b"\x00"
    if len(wire) > MAX_NAME_OCTETS:
        raise WireError(f"{name!r}: longer than 255 octets (RFC 1035 §2.3.4)")
    return wire


def read_name(message: bytes, offset: int, limit: int, known: NameCache) -> tuple[str, int]:
    """The name at *offset* as text (lower case, no trailing dot) and the offset after it.

    The name's own labels must end by *limit* (the message's or the record data's end).
    Names read here are remembered in *known* by offset, and pointers to them are answered
    from it when the rules above allow the same reading.

    :raises WireError: the name breaks any rule in this module's docstring.
    """
    if offset + 1 < limit:  # the common owners: the root, or one pointer to a name read
        length = message[offset]
        if length == 0:
            return "", offset + 1
        if length >= 0xC0:
            target = ((length & 0x3F) << 8) | message[offset + 1]
            cached = known.get(target)
            if (
                cached is not None
                and target < offset
                and cached[2] <= offset
                and cached[3] < MAX_POINTER_HOPS
            ):
                return cached[0], offset + 2
    first = start = offset
    labels: list[bytes] = []
    octets = 1  # the root label
    hops = 0
    after = -1  # where the message continues once the first pointer is met
    suffix = ""
    while True:
        if offset >= limit:
            raise WireError("name runs past its end")
        length = message[offset]
        if length == 0:
            offset += 1
            break
        if length < 0x40:
            offset += 1 + length
            octets += 1 + length
            if offset > limit:
                raise WireError("label runs past the end of the name's data")
            if octets > MAX_NAME_OCTETS:
                raise WireError("name longer than 255 octets (RFC 1035 §2.3.4)")
            labels.append(message[offset - length : offset])
            continue
        if length < 0xC0:
            raise WireError(f"label type {length & 0xC0:#04x} is not a plain label")
        if offset + 2 > limit:
            raise WireError("compression pointer runs past its end")
        target = ((length & 0x3F) << 8) | message[offset + 1]
        if target >= start:
            raise WireError("compression pointer does not point backwards")
        hops += 1
        if hops > MAX_POINTER_HOPS:
            raise WireError("more than 16 compression pointers in one name")
        if after < 0:
            after = offset + 2
        limit = start  # the labels pointed to end before the part that points to them
        start = offset = target
        cached = known.get(target)
        if cached is not None and cached[2] <= limit and hops + cached[3] <= MAX_POINTER_HOPS:
            suffix = cached[0]
            octets += cached[1] - 1
            hops += cached[3]
            if octets > MAX_NAME_OCTETS:
                raise WireError("name longer than 255 octets (RFC 1035 §2.3.4)")
            break
    text = _text(labels)
    if suffix:
        text = f"{text}.{suffix}" if text else suffix
    end = after if after >= 0 else offset
    known[first] = (text, octets, end, hops)
    return text, end


def _text(labels: list[bytes]) -> str:
    """Labels as text in lower case (ASCII folding only), joined with dots.

    The text is what :func:`encode_name` would put back on the wire, so an answer's names
    compare equal to the names asked. A label holding a dot has no such text (it would pass
    for two labels): it is refused. Octets outside ASCII, never in a name we ask, read as
    U+FFFD.
    """
    joined = b".".join(labels)
    if joined.count(b".") != len(labels) - 1 and labels:
        raise WireError("a label holds a dot (it would read as two labels)")
    return joined.lower().decode("ascii", errors="replace")
