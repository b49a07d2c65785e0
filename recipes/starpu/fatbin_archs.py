"""The GPU code in a library's .nv_fatbin section: one line per fat binary (one per .cu file).

Each line lists its entries as sm_XX (SASS, an ELF cubin) or compute_XX (PTX). With
--expect "sm_75 sm_80 compute_90 ...", exits 1 unless every fat binary holds at least those.
Reads the ELF and the fat binary headers itself, so it needs no CUDA toolkit (cuobjdump).
"""

import argparse
import struct
import sys

FATBIN_MAGIC = 0xBA55ED50
KINDS = {1: "compute", 2: "sm"}


def section(path: str, name: str) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"{path}: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab = headers[shstrndx]
    for h in headers:
        start = strtab[4] + h[0]
        if data[start:data.index(b"\0", start)].decode() == name:
            return data[h[4]:h[4] + h[5]]
    raise SystemExit(f"{path}: no {name} section (no CUDA kernels)")


def fatbins(blob: bytes) -> list[list[str]]:
    out, pos = [], 0
    while pos + 16 <= len(blob):
        magic, _version, header_size, fat_size = struct.unpack_from("<IHHQ", blob, pos)
        if magic != FATBIN_MAGIC:  # padding between fat binaries
            pos += 8
            continue
        entries, at, end = [], pos + header_size, pos + header_size + fat_size
        while at < end:
            kind, _, entry_header, size = struct.unpack_from("<HHIQ", blob, at)
            arch, = struct.unpack_from("<I", blob, at + 28)
            entries.append(f"{KINDS.get(kind, f'kind{kind}')}_{arch}")
            at += entry_header + size
        out.append(entries)
        pos = end
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library")
    parser.add_argument("--expect", default="", help="entries every fat binary must hold")
    args = parser.parse_args()
    found = fatbins(section(args.library, ".nv_fatbin"))
    if not found:
        print(f"{args.library}: .nv_fatbin holds no fat binary", file=sys.stderr)
        return 1
    missing = False
    for i, entries in enumerate(found):
        lacking = sorted(set(args.expect.split()) - set(entries))
        print(f"fatbin {i}: {' '.join(entries)}" + (f"  (lacks {' '.join(lacking)})" if lacking else ""))
        missing |= bool(lacking)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
