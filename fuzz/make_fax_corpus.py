#!/usr/bin/env python3
"""Writes the seed corpora of the tiff, t4 and t6 fuzz targets.

Fax TIFFs are made by third-party tools: Ghostscript's fax devices
(tiffg3, tiffg32d, tiffg4, tiffcrle) draw a small page, libtiff's tiffcp
rewrites it (FillOrder 2, several strips, PackBits, uncompressed,
big-endian). Broken and hostile files are built here by hand from the
TIFF 6.0 layout. The t4/t6 seeds are the code streams of those files
(read out of the TIFFs here), each after the target's selector byte
(fuzz_targets/fax_checks.rs: width, resolution, 1D/2D).

fax-t30/tests/fuzz_seeds.rs replays every seed through the targets'
checks and pins which are refused. Run from anywhere (needs gs and
tiffcp: Debian's ghostscript and libtiff-tools). Seeds named regress-*
are inputs a fuzzer found (kept by hand, not written here).
"""
import os
import re
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# A small page: 1728 pixels wide, 240 rows at fine resolution.
PAGE_PS = b"""%!PS
/Helvetica findfont 14 scalefont setfont
20 90 moveto (ums fuzz seed: FAX 0123456789) show
20 60 moveto (Grosse Schrift / small print) show
4 setlinewidth 20 30 moveto 400 30 lineto stroke
300 40 60 40 rectfill
showpage
"""


def write(target, name, data):
    out = os.path.join(HERE, "corpus", target)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def gs(device, tmp, extra=()):
    src = os.path.join(tmp, "page.ps")
    with open(src, "wb") as f:
        f.write(PAGE_PS)
    out = os.path.join(tmp, device + ".tif")
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=" + device,
         "-r204x196", "-g1728x240", *extra, "-sOutputFile=" + out, src],
        check=True)
    with open(out, "rb") as f:
        # Ghostscript's DateTime tag, fixed (same length): the same seeds every run.
        return re.sub(rb"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d", b"2026:11:27 10:11:12", f.read())


def tiffcp(data, tmp, *args):
    src = os.path.join(tmp, "in.tif")
    dst = os.path.join(tmp, "out.tif")
    with open(src, "wb") as f:
        f.write(data)
    if os.path.exists(dst):
        os.remove(dst)
    subprocess.run(["tiffcp", *args, src, dst], check=True)
    with open(dst, "rb") as f:
        return f.read()


def tiffcp_join(first, second, tmp):
    """A two-page file: tiffcp appends the pages of its inputs."""
    names = []
    for n, d in (("a.tif", first), ("b.tif", second)):
        names.append(os.path.join(tmp, n))
        with open(names[-1], "wb") as f:
            f.write(d)
    out = os.path.join(tmp, "two.tif")
    subprocess.run(["tiffcp", *names, out], check=True)
    with open(out, "rb") as f:
        return f.read()


def set_count(data, tag, count):
    """`data` with the value count of `tag` in the first IFD changed."""
    out = bytearray(data)
    ifd = struct.unpack_from("<I", out, 4)[0]
    for i in range(struct.unpack_from("<H", out, ifd)[0]):
        at = ifd + 2 + 12 * i
        if struct.unpack_from("<H", out, at)[0] == tag:
            struct.pack_into("<I", out, at + 4, count)
    return bytes(out)


def strips(data):
    """The strips of the first IFD (byte order from the header)."""
    e = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack_from(e + "I", data, 4)[0]
    n = struct.unpack_from(e + "H", data, ifd)[0]
    tags = {}
    for i in range(n):
        tag, typ, count, value = struct.unpack_from(e + "HHI4s", data, ifd + 2 + 12 * i)
        size = {3: 2, 4: 4}.get(typ, 1)
        raw = value if count * size <= 4 else data[struct.unpack(e + "I", value)[0]:][:count * size]
        fmt = {2: "H", 4: "I"}.get(size, "B")
        tags[tag] = list(struct.unpack(e + fmt * count, raw[:count * size]))
    return [data[o:o + c] for o, c in zip(tags[273], tags[279])]


# --- hand-built TIFFs -----------------------------------------------------

def tiff(ifds, strip_data=b"", big_endian=False):
    """A TIFF of `ifds` (lists of (tag, type, values)); the strip data sits
    right after the header at offset 8. Values that do not fit in the
    entry go after each IFD."""
    e = ">" if big_endian else "<"
    out = bytearray((b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 0))
    out += strip_data
    if len(out) % 2:
        out += b"\0"
    link = 4
    for entries in ifds:
        at = len(out)
        struct.pack_into(e + "I", out, link, at)
        entries = sorted(entries)
        extra_at = at + 2 + 12 * len(entries) + 4
        extra = bytearray()
        out += struct.pack(e + "H", len(entries))
        for tag, typ, values in entries:
            fmt, size = {3: ("H", 2), 4: ("I", 4), 5: ("II", 8), 1: ("B", 1)}[typ]
            packed = b"".join(struct.pack(e + fmt, *(v if isinstance(v, tuple) else (v,)))
                              for v in values)
            if len(packed) <= 4:
                out += struct.pack(e + "HHI", tag, typ, len(values)) + packed.ljust(4, b"\0")
            else:
                out += struct.pack(e + "HHII", tag, typ, len(values), extra_at + len(extra))
                extra += packed
        link = len(out)
        out += b"\0\0\0\0"
        out += extra
    return bytes(out)


def page_ifd(width, rows, compression, offsets, counts, rows_per_strip=None, extra=()):
    return [
        (256, 4, [width]), (257, 4, [rows]), (258, 3, [1]), (259, 3, [compression]),
        (262, 3, [0]), (273, 4, offsets), (277, 3, [1]),
        (278, 4, [rows_per_strip or rows]), (279, 4, counts),
        (282, 5, [(204, 1)]), (283, 5, [(196, 1)]), (296, 3, [2]), *extra,
    ]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        g3 = gs("tiffg3", tmp)
        g32d = gs("tiffg32d", tmp)
        g4 = gs("tiffg4", tmp)
        crle = gs("tiffcrle", tmp)
        fax = {
            "gs-tiffg3": g3,
            "gs-tiffg32d": g32d,
            "gs-tiffg4": g4,
            "unsupported-gs-tiffcrle": crle,
            "tiffcp-g4-fill-lsb": tiffcp(g4, tmp, "-f", "lsb2msb"),
            "tiffcp-g3-strips": tiffcp(g3, tmp, "-r", "16"),
            "tiffcp-g32d-fill": tiffcp(g32d, tmp, "-c", "g3:2d:fill"),
            "tiffcp-packbits": tiffcp(g4, tmp, "-c", "packbits", "-r", "64"),
            "tiffcp-none-bigendian": tiffcp(g4, tmp, "-c", "none", "-B"),
            "tiffcp-two-pages": tiffcp_join(g4, g3, tmp),
        }
        for name, data in fax.items():
            write("tiff", name, data)

        g4_strip = strips(g4)[0]
        g3_strip = strips(g3)[0]
        # Broken and hostile files.
        ok = page_ifd(1728, 240, 4, [8], [len(g4_strip)])
        write("tiff", "bad-truncated", g4[: len(g4) // 2])
        write("tiff", "bad-not-tiff", b"GIF89a" + g4[6:200])
        write("tiff", "bad-bigtiff", b"II+\0" + g4[4:])
        write("tiff", "bad-strip-past-end",
              tiff([page_ifd(1728, 240, 4, [8], [len(g4_strip) + 5000])], g4_strip))
        loop = bytearray(tiff([ok], g4_strip))
        ifd_at = struct.unpack_from("<I", loop, 4)[0]
        n = struct.unpack_from("<H", loop, ifd_at)[0]
        struct.pack_into("<I", loop, ifd_at + 2 + 12 * n, ifd_at)
        write("tiff", "bad-ifd-loop", bytes(loop))
        write("tiff", "bad-width-too-large",
              tiff([page_ifd(100000, 240, 4, [8], [len(g4_strip)])], g4_strip))
        write("tiff", "bad-gray-8bit",
              tiff([[(t, ty, [8] if t == 258 else v) for t, ty, v in ok]], g4_strip))
        write("tiff", "bad-tiled", tiff([ok + [(322, 3, [256])]], g4_strip))
        write("tiff", "bad-compression-lzw",
              tiff([[(t, ty, [5] if t == 259 else v) for t, ty, v in ok]], g4_strip))
        write("tiff", "bad-count-overflow", set_count(tiff([ok], g4_strip), 279, 0x7FFFFFFF))
        write("tiff", "bad-no-strip-offsets",
              tiff([[e for e in ok if e[0] != 273]], g4_strip))
        # Valid but unusual: thumbnail skipped, black-is-zero, odd width.
        thumb = page_ifd(1728, 240, 4, [8], [len(g4_strip)], extra=[(254, 4, [1])])
        write("tiff", "thumbnail-then-page", tiff([thumb, ok], g4_strip))
        write("tiff", "black-is-zero",
              tiff([[(t, ty, [1] if t == 262 else v) for t, ty, v in ok]], g4_strip))
        write("tiff", "odd-width-1727",
              tiff([page_ifd(1727, 240, 4, [8], [len(g4_strip)])], g4_strip))
        write("tiff", "g3-t4options-fill",
              tiff([page_ifd(1728, 240, 3, [8], [len(g3_strip)], extra=[(292, 4, [4])])],
                   g3_strip))
        # Many pages that all point at the same strip: a small file that
        # claims many times its size in code (5000 pages of a 10 MB strip
        # would be 50 GB).
        padded = g4_strip + bytes(8000)
        bare = [(256, 4, [1728]), (257, 4, [240]), (259, 3, [4]), (273, 4, [8]),
                (279, 4, [len(padded)])]
        write("tiff", "hostile-shared-strip-pages", tiff([bare] * 200, padded))
        # A page of one-row strips that all point at the same row.
        rows = 2000
        write("tiff", "hostile-one-row-strips",
              tiff([page_ifd(1728, rows, 1, [8] * rows, [216] * rows, rows_per_strip=1)],
                   b"\x55" * 216))

        # T.4/T.6 code streams: selector byte (fax_checks::shape): low
        # nibble 5 = 1728 pixels, bits 4-5 the resolution (1 = fine),
        # bit 7 = T.4 2D.
        fine_1728 = 0x15
        for name, data in (("gs-tiffg3", g3), ("tiffcp-g3-strips", fax["tiffcp-g3-strips"])):
            write("t4", name + "-1d", bytes([fine_1728]) + strips(data)[0])
        t4_2d = strips(g32d)[0]
        write("t4", "gs-tiffg32d-2d", bytes([0x80 | fine_1728]) + t4_2d)
        write("t4", "gs-tiffg32d-2d-cut", bytes([0x80 | fine_1728]) + t4_2d[: len(t4_2d) // 3])
        write("t4", "bad-bit-errors-1d",
              bytes([fine_1728]) + bytes(b ^ (0x5A if i % 50 == 7 else 0)
                                         for i, b in enumerate(g3_strip)))
        write("t4", "bad-no-eol", bytes([fine_1728]) + b"\xaa" * 300)
        write("t4", "bad-odd-width", bytes([0x19]) + g3_strip)
        write("t4", "standard-2d-as-1d", bytes([0x05]) + t4_2d)
        write("t6", "gs-tiffg4", bytes([fine_1728]) + g4_strip)
        write("t6", "gs-tiffg4-cut", bytes([fine_1728]) + g4_strip[: len(g4_strip) // 2])
        write("t6", "bad-bit-errors",
              bytes([fine_1728]) + bytes(b ^ (0x81 if i % 40 == 3 else 0)
                                         for i, b in enumerate(g4_strip)))
        write("t6", "endless-v0-rows", bytes([fine_1728]) + b"\xff" * 4000)
        write("t6", "bad-zeros", bytes([fine_1728]) + b"\x00" * 64)
        write("t6", "bad-odd-width", bytes([0x19]) + g4_strip)
        write("t6", "narrow-8-superfine", bytes([0x20]) + b"\x99\x1c\x7f\x00\x10\x01")
        write("t6", "bad-only-eofb", bytes([fine_1728]) + b"\x00\x10\x01")


if __name__ == "__main__":
    main()
