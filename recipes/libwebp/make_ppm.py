"""Write a 97x61 RGB PPM with a gradient pattern (odd sizes exercise the codecs' edge blocks).

An optional second argument shifts the pattern, for a different image of the same size.
"""
import sys

w, h = 97, 61
shift = int(sys.argv[2]) if len(sys.argv) > 2 else 0
pixels = bytes((x * 3 + y * 7 + c * 50 + shift * (x ^ y)) % 256 for y in range(h) for x in range(w) for c in range(3))
with open(sys.argv[1], "wb") as f:
    f.write(b"P6\n%d %d\n255\n" % (w, h) + pixels)  # the header dwebp writes
