"""RFC 6962 Merkle trees, checked against the reference test vectors published with
the Certificate Transparency implementations (transparency-dev/merkle, the 8-leaf tree:
roots of every size, inclusion and consistency proofs)."""

from __future__ import annotations

import pytest

from domain.merkle import (
    EMPTY_ROOT,
    CompactTree,
    InvalidProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
INCLUSION = [  # (leaf index, tree size, audit path)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, []),
]
CONSISTENCY = [  # (old size, size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
HASHED = [leaf_hash(leaf) for leaf in LEAVES]


def leaves(start: int, end: int) -> list[bytes]:
    return HASHED[start:end]


@pytest.mark.parametrize("size", range(9))
def test_root_of_each_size_matches_the_reference(size):
    assert root_of(HASHED[:size]) == ROOTS[size]


def test_the_empty_tree_has_the_hash_of_nothing():
    assert CompactTree().root() == EMPTY_ROOT == ROOTS[0]


def test_a_compact_tree_resumed_from_its_subtrees_grows_to_the_same_root():
    tree = CompactTree()
    for hashed in HASHED[:5]:
        tree.append(hashed)
    resumed = CompactTree(tree.size, tree.hashes)
    for hashed in HASHED[5:]:
        resumed.append(hashed)
    assert resumed.root() == ROOTS[8]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proof_matches_the_reference(index, size, path):
    assert inclusion_proof(leaves, index, size) == [bytes.fromhex(h) for h in path]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_reference_inclusion_proof_verifies(index, size, path):
    verify_inclusion(index, size, HASHED[index], [bytes.fromhex(h) for h in path], ROOTS[size])


@pytest.mark.parametrize(("old", "size", "proof"), CONSISTENCY)
def test_consistency_proof_matches_the_reference(old, size, proof):
    assert consistency_proof(leaves, old, size) == [bytes.fromhex(h) for h in proof]


@pytest.mark.parametrize(("old", "size", "proof"), CONSISTENCY)
def test_reference_consistency_proof_verifies(old, size, proof):
    verify_consistency(old, size, ROOTS[old], ROOTS[size], [bytes.fromhex(h) for h in proof])


def test_every_generated_proof_of_the_eight_leaf_tree_verifies():
    for size in range(1, 9):
        for index in range(size):
            path = inclusion_proof(leaves, index, size)
            verify_inclusion(index, size, HASHED[index], path, ROOTS[size])
        for old in range(size + 1):
            proof = consistency_proof(leaves, old, size)
            verify_consistency(old, size, ROOTS[old], ROOTS[size], proof)


def _corruptions(path: list[bytes]) -> list[list[bytes]]:
    flipped = []
    for i in range(len(path)):
        wrong = list(path)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        flipped.append(wrong)
    return [
        *flipped,
        path[:-1],
        [*path, b""],
        [*path, ROOTS[8]],
        [b"", *path],
        [ROOTS[8], *path],
    ]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION[:4])
def test_a_corrupted_inclusion_proof_is_refused(index, size, path):
    good = [bytes.fromhex(h) for h in path]
    for wrong in _corruptions(good):
        with pytest.raises(InvalidProofError):
            verify_inclusion(index, size, HASHED[index], wrong, ROOTS[size])
    for wrong_index, wrong_size in [(index ^ 2, size), (index, size * 2), (index, size // 2)]:
        if (wrong_index, wrong_size) != (index, size):
            with pytest.raises(InvalidProofError):
                verify_inclusion(wrong_index, wrong_size, HASHED[index], good, ROOTS[size])
    with pytest.raises(InvalidProofError):
        verify_inclusion(index, size, leaf_hash(b"WrongLeaf"), good, ROOTS[size])
    with pytest.raises(InvalidProofError):
        verify_inclusion(index, size, HASHED[index], good, EMPTY_ROOT)


@pytest.mark.parametrize(("old", "size", "proof"), CONSISTENCY[1:])
def test_a_corrupted_consistency_proof_is_refused(old, size, proof):
    good = [bytes.fromhex(h) for h in proof]
    for wrong in [*_corruptions(good), []]:
        with pytest.raises(InvalidProofError):
            verify_consistency(old, size, ROOTS[old], ROOTS[size], wrong)
    for wrong_old, wrong_size in [(old - 1, size), (old + 1, size), (old, size * 2)]:
        if wrong_size <= 8 and (wrong_old, wrong_size) != (old, size):
            with pytest.raises(InvalidProofError):
                verify_consistency(wrong_old, wrong_size, ROOTS[old], ROOTS[size], good)
    with pytest.raises(InvalidProofError):
        verify_consistency(old, size, ROOTS[size], ROOTS[old], good)
