"""Matrices and 3-D tensors as nested lists: shapes, reshaping, and the products networks run on.

A matrix is a `list[list[float]]` of rows; a 3-D tensor (channels × height × width) is a list
of matrices. Products check that the shapes fit and raise a ValueError naming both shapes.

Speed: a dense layer with weights stored as rows (out × in) computes X·Wᵀ as one dot product
per (sample, output) pair, and that is the fastest pure-Python form measured here (about
55 million multiply-adds a second on 3.11). `matmul` transposes its right operand once so
that it, too, is made of row-by-row dot products.
"""

import math
from operator import mul as _mul

# math.sumprod exists from Python 3.12 on; on 3.11 the reference falls back to sum(map(mul)).
_sumprod = getattr(math, "sumprod", None)


def shape(tensor) -> tuple[int, ...]:
    """The shape of a nested list: () for a number, (n,) for a vector, (rows, cols) for a
    matrix, (channels, height, width) for a 3-D tensor.

    Every entry at one depth must have the same shape; a ragged list raises a ValueError
    naming the index of the first entry whose shape differs from entry 0's.

    >>> shape([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    (2, 3)
    >>> shape([[[0.0, 0.0]], [[1.0, 1.0]]])
    (2, 1, 2)
    """
    raise NotImplementedError(
        'primitives.matrix.shape is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


def zeros(dims: tuple[int, ...]):
    """A nested list of zeros with the given shape (one dimension or more).

    Each row is a separate list, so changing one entry never changes another. Raises
    ValueError for no dimensions, and naming the dimensions when one is negative.

    >>> zeros((2, 3))
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    raise NotImplementedError(
        'primitives.matrix.zeros is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


def flatten(tensor: list) -> list[float]:
    """All the numbers of a nested list in row-major order (the last index changes fastest).

    Images travel flat through the package: a (channels, height, width) image becomes a
    list of c·h·w floats, pixel (k, i, j) at index k·h·w + i·w + j. Raises ValueError for a
    ragged list, which has no row-major order.

    >>> flatten([[1.0, 2.0], [3.0, 4.0]])
    [1.0, 2.0, 3.0, 4.0]
    """
    raise NotImplementedError(
        'primitives.matrix.flatten is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


def reshape(flat: list[float], dims: tuple[int, ...]) -> list:
    """The inverse of `flatten`: a flat list laid out row-major into the given shape.

    Raises ValueError for no dimensions, naming the dimensions when one is negative, and
    naming len(flat) and the shape unless len(flat) equals the product of the dimensions.

    >>> reshape([1.0, 2.0], (2, 1))  # a column
    [[1.0], [2.0]]
    >>> reshape([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3))
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    """
    raise NotImplementedError(
        'primitives.matrix.reshape is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


# given
def _require_matrix(operation: str, name: str, m: list[list[float]]) -> tuple[int, int]:
    # Checks rows only at the top level: an O(rows) check beside an O(rows·cols) product.
    if not m or not isinstance(m[0], (list, tuple)):
        raise ValueError(f"{operation}: {name} must be a non-empty list of rows")
    cols = len(m[0])
    for index, row in enumerate(m):
        if len(row) != cols:
            raise ValueError(f"{operation}: {name} is ragged: row {index} has length {len(row)} but row 0 has {cols}")
    return len(m), cols


def transpose(m: list[list[float]]) -> list[list[float]]:
    """The transpose: (Mᵀ)ᵢⱼ = Mⱼᵢ. Shapes: (r, c) -> (c, r).

    Raises ValueError for an empty or flat m (no rows), or a ragged one (rows of different
    lengths).

    >>> transpose([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    """
    raise NotImplementedError(
        'primitives.matrix.transpose is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


def matvec(m: list[list[float]], x: list[float]) -> list[float]:
    """The matrix-vector product: (M·x)ᵢ = Σⱼ Mᵢⱼ·xⱼ, one dot product per row.

    Shapes: (r, c), (c,) -> (r,). Raises ValueError naming m's shape and len(x) when c differs
    from len(x), and for an m that is empty, flat or ragged (see `transpose`).

    >>> matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0])
    [3.0, 7.0]
    """
    raise NotImplementedError(
        'primitives.matrix.matvec is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


def matmul_transposed(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """A·Bᵀ: entry (i, j) is the dot product of row i of A with row j of B.

    This is the fast form of a dense layer on a batch: with inputs X as rows (batch × in)
    and weights W as rows (out × in), the outputs are X·Wᵀ (batch × out), and every entry is
    one dot product of two rows. Gradients need it too: ∂L/∂W = Gᵀ·X is
    matmul_transposed(Gᵀ, Xᵀ), dot products over the batch axis.

    Shapes: (n, k), (m, k) -> (n, m). Raises ValueError naming both shapes when the row
    lengths differ, and for a matrix that is empty, flat or ragged (see `transpose`).

    >>> matmul_transposed([[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]])
    [[11.0, 17.0]]
    """
    raise NotImplementedError(
        'primitives.matrix.matmul_transposed is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


def matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """The matrix product: (A·B)ᵢⱼ = Σₖ Aᵢₖ·Bₖⱼ.

    Shapes: (n, k), (k, m) -> (n, m). Raises ValueError naming both shapes when A's columns
    differ from B's rows, and for a matrix that is empty, flat or ragged (see `transpose`).
    Transposing B once turns every entry into a dot product of two rows (see
    `matmul_transposed`), which is much faster than indexing B column by column.

    >>> matmul([[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]])
    [[19.0, 22.0], [43.0, 50.0]]
    """
    raise NotImplementedError(
        'primitives.matrix.matmul is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )


def outer(x: list[float], y: list[float]) -> list[list[float]]:
    """The outer product: (x ⊗ y)ᵢⱼ = xᵢ·yⱼ. Shapes: (n,), (m,) -> (n, m).

    A single neuron's weight gradient is one: ∂L/∂W = ∂L/∂y ⊗ x.

    >>> outer([1.0, 2.0], [3.0, 4.0, 5.0])
    [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]
    """
    raise NotImplementedError(
        'primitives.matrix.outer is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.matrix'
    )
