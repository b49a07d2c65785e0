"""Matrix product and linear solve through wheelfarm's OpenBLAS."""

import wheelfarm.openblas

wheelfarm.openblas.load_library()

from blasdemo._core import matmul, solve  # noqa: E402

__all__ = ["matmul", "solve"]
