"""Merkle trees as RFC 6962 (Certificate Transparency) defines them, §2.1.

Leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left || right)``,
the root of an empty tree ``SHA-256("")``; a tree of ``n`` leaves splits at the
largest power of two below ``n``. Inclusion ("audit path") and consistency
proofs are generated as RFC 6962 §2.1.1-2 and verified as RFC 9162 §2.1.3.2 and
§2.1.4.2 describe; tests/unit/test_merkle.py checks all of it against the
reference test vectors of the Certificate Transparency implementations.

Written here (about a hundred lines of stdlib) rather than taken from
``pymerkle``: that library keeps every leaf in its own store (memory or its own
SQLite file) to answer anything, while ``tsunagu ledger verify`` must stream the
log in bounded memory; see docs/audit.md, "Why our own Merkle code".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


class InvalidProofError(ValueError):
    """A proof does not lead to the root it claims."""


def leaf_hash(leaf: bytes) -> bytes:
    return _sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


class CompactTree:
    """The root of a growing tree in O(log n) memory: the hashes of its perfect
    subtrees, largest first (a "compact range" over [0, size))."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} subtrees")
        self.size = size
        self.hashes = list(hashes)

    def append(self, hashed_leaf: bytes) -> None:
        """Add a leaf, given its leaf hash."""
        hashes, merging, right = self.hashes, self.size, hashed_leaf
        while merging & 1:
            right = node_hash(hashes.pop(), right)
            merging >>= 1
        hashes.append(right)
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            root = node_hash(left, root)
        return root


def root_of(hashed_leaves: Sequence[bytes]) -> bytes:
    """The root of the tree of these leaf hashes (RFC 6962 MTH)."""
    tree = CompactTree()
    for hashed in hashed_leaves:
        tree.append(hashed)
    return tree.root()


LeafHashes = Callable[[int, int], Sequence[bytes]]
"""Leaf hashes of the tree in [start, end), from wherever they are kept."""


def _subtree(leaves: LeafHashes, start: int, end: int) -> bytes:
    return root_of(leaves(start, end))


def inclusion_proof(leaves: LeafHashes, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(_subtree(leaves, start + k, end))
            end = start + k
        else:
            path.append(_subtree(leaves, start, start + k))
            start += k
    path.reverse()  # leaf to root
    return path


def consistency_proof(leaves: LeafHashes, old_size: int, size: int) -> list[bytes]:
    """The proof that the tree of ``old_size`` leaves is a prefix of the one of ``size``."""
    if not 0 <= old_size <= size:
        raise ValueError(f"no consistency proof from {old_size} to {size} leaves")
    if old_size in (0, size):
        return []
    proof: list[bytes] = []
    start, end, m, whole = 0, size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(_subtree(leaves, start + k, end))
            end = start + k
        else:
            proof.append(_subtree(leaves, start, start + k))
            start += k
            m -= k
            whole = False
    if not whole:
        proof.append(_subtree(leaves, start, end))
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, hashed_leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root an audit path leads to (RFC 9162 §2.1.3.2); raises when it cannot."""
    if not 0 <= index < size:
        raise InvalidProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, result = index, size - 1, hashed_leaf
    for sibling in path:
        if sn == 0:
            raise InvalidProofError("the audit path is longer than the tree is high")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProofError("the audit path is shorter than the tree is high")
    return result


def verify_inclusion(
    index: int, size: int, hashed_leaf: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """Raises InvalidProofError unless the leaf is at ``index`` of the tree with ``root``."""
    if root_from_inclusion(index, size, hashed_leaf, path) != root:
        raise InvalidProofError("the audit path does not lead to the signed root")


def verify_consistency(
    old_size: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> None:
    """Raises InvalidProofError unless the tree (old_size, old_root) is a prefix of the
    tree (size, root) (RFC 9162 §2.1.4.2)."""
    if old_size > size:
        raise InvalidProofError("the older tree is larger than the newer one")
    if old_size == size:
        if proof or old_root != root:
            raise InvalidProofError("two trees of one size differ")
        return
    if old_size == 0:
        if proof:
            raise InvalidProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise InvalidProofError("the consistency proof is empty")
    nodes = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node itself
        nodes.insert(0, old_root)
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = nodes[0]
    for node in nodes[1:]:
        if sn == 0:
            raise InvalidProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, node)
        fn >>= 1
        sn >>= 1
    if sn != 0 or first != old_root or second != root:
        raise InvalidProofError("the trees are not consistent")
