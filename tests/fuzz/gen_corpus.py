#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/): small, realistic inputs in
each target's input format (documented at the top of tests/fuzz/fuzz_<target>.c and in fuzz.h).

The memory maps look like what OVMF hands a confidential guest (edk2's 48-byte descriptors, RAM above
4 GiB left unaccepted as type 15, runtime regions with EFI_MEMORY_RUNTIME, the flash as MMIO); the ACPI
tables are an RSDP, XSDT/RSDT and FADT with valid checksums and QEMU q35's PM1a_CNT port 0x604; the SNP
inputs carry a CC blob with a CPUID page and a secrets page. Run it from the repository root:
    /usr/bin/python3 tests/fuzz/gen_corpus.py
It rewrites the directories it owns and nothing else; the output is deterministic.
"""
import os
import shutil
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

GiB, MiB, PAGE = 1 << 30, 1 << 20, 4096
WB, UC, WC, WT, RUNTIME = 1 << 3, 1 << 0, 1 << 1, 1 << 2, 1 << 63
CACHE = UC | WC | WT | WB
(RESERVED, LOADER_CODE, LOADER_DATA, BS_CODE, BS_DATA, RT_CODE, RT_DATA, CONVENTIONAL, UNUSABLE,
 ACPI_RECLAIM, ACPI_NVS, MMIO, MMIO_PORT, PAL, PERSISTENT, UNACCEPTED) = range(16)


def desc(dtype, start, size, attr=CACHE, desc_size=48):
    d = struct.pack("<IIQQQQ", dtype, 0, start, 0, size // PAGE, attr)
    return d + b"\0" * (desc_size - len(d))


def memmap(descs, desc_size=48, version=1):
    body = b"".join(desc(*d, desc_size=desc_size) for d in descs)
    return struct.pack("<IIH", desc_size, version, len(body)) + body


# What OVMF's map looks like in a 6 GiB confidential guest (the window at 1 GiB is RAM: see
# fuzz_unaccepted_boot.c WINDOW_PA).
OVMF = [
    (BS_CODE, 0x0, 0x1000),
    (CONVENTIONAL, 0x1000, 0x9F000),
    (CONVENTIONAL, 0x100000, 0x700000),
    (ACPI_NVS, 0x800000, 0x8000),
    (CONVENTIONAL, 0x808000, 0x3000),
    (ACPI_NVS, 0x80B000, 0x1000),
    (RESERVED, 0x80C000, 0x1000, CACHE),       # SNP secrets page
    (RESERVED, 0x80D000, 0x1000, CACHE),       # SNP CPUID page
    (CONVENTIONAL, 0x80E000, 0x7F000000 - 0x80E000),
    (LOADER_CODE, 0x7F000000, 0x200000),
    (LOADER_DATA, 0x7F200000, 0x100000),
    (BS_DATA, 0x7F300000, 0x600000),
    (ACPI_RECLAIM, 0x7F900000, 0x80000),
    (ACPI_NVS, 0x7F980000, 0x80000),
    (RT_DATA, 0x7FA00000, 0x100000, CACHE | RUNTIME),
    (RT_CODE, 0x7FB00000, 0x100000, CACHE | RUNTIME),
    (BS_CODE, 0x7FC00000, 0x300000),
    (RESERVED, 0x7FF00000, 0x100000),
    (MMIO, 0xFFC00000, 0x400000, UC | RUNTIME),
    (CONVENTIONAL, 0x100000000, 0x100000),
    (UNACCEPTED, 0x100100000, 0x80000000 - 0x100000, WB),
    (UNACCEPTED, 0x180000000, 0x40000000, WB),
]
# Type-15 ranges as a broken firmware leaves them: unaligned head and tail, one below 1 MiB, overlaps.
ODD = [
    (CONVENTIONAL, 0x1000, 0x9F000),
    (UNACCEPTED, 0x80000, 0x20000, WB),
    (CONVENTIONAL, 0x100000, 0x3FF00000),
    (CONVENTIONAL, 0x40000000, 0x40000000),
    (UNACCEPTED, 0x100003000, 0x3FFF000 + 0x5000, WB),
    (UNACCEPTED, 0x104000000, 0x1000, WB),
    (UNACCEPTED, 0x110000000, 0x400000, 0),
    (RT_DATA, 0x7FA00000, 0x100000, CACHE),
]
SORTED_SMALL = [(CONVENTIONAL, 0x0, 0xA0000), (CONVENTIONAL, 0x100000, 0x7FF00000), (UNACCEPTED, 0x100000000, 4 * GiB, WB)]


def unaccepted_table(phys_base, covered, unit=2 * MiB, bits=None):
    """A table over OVMF's map: unit 0 (0x100000000) is partly conventional memory, so its bit is clear."""
    size = (covered // unit + 7) // 8
    bitmap = bits if bits is not None else b"\xfe" + b"\xff" * (size - 1)
    return struct.pack("<IIQQ", 1, unit, phys_base, len(bitmap)) + bitmap


def checksum_fix(data, at):
    data = bytearray(data)
    data[at] = (-sum(data)) & 0xFF
    return bytes(data)


def sdt(sig, body, revision=1, length=None):
    length = length or 36 + len(body)
    hdr = struct.pack("<4sIBB6s8sI4sI", sig, length, revision, 0, b"BOCHS ", b"BXPC    ", 1, b"BXPC", 1)
    return checksum_fix(hdr + body, 9)


def fadt(length=276):
    body = bytearray(length - 36)
    struct.pack_into("<I", body, 64 - 36, 0x604)  # PM1a_CNT_BLK
    if length >= 184:
        struct.pack_into("<BBBBQ", body, 172 - 36, 1, 16, 0, 2, 0x604)  # X_PM1a_CNT_BLK (system I/O)
    return sdt(b"FACP", bytes(body), revision=6 if length >= 244 else 1)


def rsdp(xsdt=0, rsdt=0, revision=2):
    v1 = checksum_fix(struct.pack("<8sB6sBI", b"RSD PTR ", 0, b"BOCHS ", revision, rsdt), 8)
    if revision < 2:
        return v1
    ext = v1 + struct.pack("<IQB3s", 36, xsdt, 0, b"\0\0\0")
    return checksum_fix(ext, 32)


def smbios3(table=0x7F7E0000):
    ep = struct.pack("<5sBBBBBBBIQ", b"_SM3_", 0, 0x18, 3, 6, 0, 1, 0, 0x200, table)
    return checksum_fix(ep, 5)


def regions(rs):
    out = struct.pack("<B", len(rs))
    for pa, data in rs:
        out += struct.pack("<QH", pa, len(data)) + data
    return out


def acpi_seeds():
    f, f1 = fadt(), fadt(116)
    apic = sdt(b"APIC", b"\0" * 8)
    xsdt = sdt(b"XSDT", struct.pack("<QQ", 0x7FB7C000, 0x7FB79000))
    rsdt = sdt(b"RSDT", struct.pack("<II", 0x7FB7C000, 0x7FB78000))
    sm = smbios3()
    x = struct.pack("<QQ", 0x7FB7E014, 0x7F7F0000) + regions(
        [(0x7FB7E014, rsdp(xsdt=0x7FB7D0E8)), (0x7FB7D0E8, xsdt), (0x7FB79000, f), (0x7FB7C000, apic),
         (0x7F7F0000, sm)])
    r = struct.pack("<QQ", 0x7FB7E014, 0x7F7F0000) + regions(
        [(0x7FB7E014, rsdp(rsdt=0x7FB7D000, revision=0)), (0x7FB7D000, rsdt), (0x7FB78000, f1),
         (0x7FB7C000, apic), (0x7F7F0000, sm)])
    return {"xsdt": x, "rsdt": r}


def cc_blob(secrets=0x80C000, cpuid=0x80D000, magic=0x45444D41, version=1):
    return struct.pack("<IHHQIIQII", magic, version, 0, secrets, 4096, 0, cpuid, 4096, 0)


def cpuid_page(cbit=51):
    fns = [
        (0x0, 0, 0xD, 0x68747541, 0x444D4163, 0x69746E65),
        (0x1, 0, 0xA10F11, 0x800, 0xFEDA3203, 0x178BFBFF),
        (0x7, 0, 1, 0x219C97A9, 0x40069C, 0x10),
        (0x7, 1, 0, 0, 0, 0),
        (0xB, 0, 1, 1, 0x100, 0),
        (0xB, 1, 1, 1, 0x201, 0),
        (0xD, 0, 0x2E7, 0x988, 0x988, 0),
        (0xD, 1, 0xF, 0x348, 0x1800, 0),
        (0x40000000, 0, 0x40000001, 0x4B4D564B, 0x564B4D56, 0x4D),
        (0x80000000, 0, 0x80000021, 0x68747541, 0x444D4163, 0x69746E65),
        (0x80000001, 0, 0xA10F11, 0x40000000, 0x75C237FF, 0x2FD3FBFF),
        (0x8000001D, 0, 0x4121, 0x1C0003F, 0x3F, 0),
        (0x8000001F, 0, 0x1001B, 0x4000 | cbit, 0, 0),
    ]
    page = struct.pack("<IIQ", len(fns), 0, 0)
    for leaf, sub, a, b, c, d in fns:
        page += struct.pack("<IIQQIIIIQ", leaf, sub, 0, 0, a, b, c, d, 0)
    return page


def secrets_page(svsm=False):
    page = bytearray(0x160)
    if svsm:
        struct.pack_into("<QQQIB", page, 0x140, 0x7E000000, 0x400000, 0x7E400000, 1, 1)
    return bytes(page)


def snp_input(mode, script=b"", leaf=0x8000001F, subleaf=0, insn=b"\x0f\xa2", blob=None, cpuid=None,
              secrets=None):
    blob = blob if blob is not None else cc_blob()
    cpuid = cpuid if cpuid is not None else cpuid_page()
    secrets = secrets if secrets is not None else secrets_page(mode & 1)
    return (struct.pack("<BB", mode, 51) + blob + struct.pack("<H", len(cpuid)) + cpuid +
            struct.pack("<H", len(secrets)) + secrets +
            struct.pack("<QIHII", 0x100000000, 515, 0x3F8, leaf, subleaf) + insn + script)


def snp_seeds():
    # A lying page-state change: flags 4|8 (cur_entry and end_entry rewritten), then a busy SVSM answer.
    lie = struct.pack("<B", 0)  # SEV_INFO honest
    return {
        "vmpl0-cpuid-page": snp_input(2 | 4 | 8),
        "svsm": snp_input(1 | 2 | 4 | 8),
        "no-blob": snp_input(4 | 8, leaf=7, subleaf=0),
        "no-blob-subleaf": snp_input(8, leaf=7, subleaf=1),
        "bad-magic": snp_input(2, blob=cc_blob(magic=0x41414141)),
        "psc-backwards": snp_input(2 | 4 | 8, script=lie * 8 + struct.pack("<BHH", 4 | 8, 0, 7)),
        "not-cpuid-insn": snp_input(2, insn=b"\x0f\x0b"),
    }


def tdx_call(flags=0, status=0, rcx=0, rdx=0, r8=0, r9=0, r10=0, r11=0):
    out = struct.pack("<B", flags)
    for bit, v in ((1, status), (2, rcx), (4, rdx), (8, r8), (16, r9), (32, r10), (64, r11)):
        if flags & bit:
            out += struct.pack("<Q", v)
    return out


def tdx_seeds():
    head = struct.pack("<QQQH", 0xFFFFFFFF12345678, 0x202, 0x100000000, 513)
    io_in = tdx_call(0x3E, rcx=30, rdx=0x3F8 << 16 | 8 | 0, r10=1)
    io_out = tdx_call(0x3E, rcx=30, rdx=0x604 << 16 | 1, r10=2)
    hlt = tdx_call(0x3E, rcx=12, r10=1)
    ept = tdx_call(0x3E, rcx=48, rdx=0x181, r8=0x100000000, r9=0x100000000, r10=0)
    busy = tdx_call(1, status=0x8000020000000000)
    mismatch = tdx_call(1, status=0xC0000B0B00000001)
    return {
        "io-in": head + io_in,
        "io-out": head + io_out,
        "hlt": head + hlt,
        "ept-violation": head + ept,
        "accept-busy-mismatch": head + io_in + tdx_call() + tdx_call() + busy * 2 + mismatch,
    }


def ucs2(text):
    return text.encode("utf-16-le") + b"\0\0"


def args_seeds():
    return {
        "text": b"\0tests=efi.*,accept platform=sim-tdx seed=0x1234 fuzz_size=512M",
        "text-all": b"\0tests=selftest list=1 demo_fail=1 crash=none allow_unaccepted=0 bench=short "
                    b"conformance=1 probe=none lava=1 fuzz_flag=1 fuzz_size=0x10G",
        "usage-error": b"\0seed=18446744073709551616 tests=UPPER",
        "load-options": b"\1" + ucs2("tests=memmap,unaccepted.* platform=sim-snp fuzz_size=4K"),
        "load-options-odd": b"\1" + ucs2("platform=none")[:-1],
        "file": b"\2platform=sim-snp\r\nbench=short\n\ttests=accept\nfuzz_flag=1\n",
        "file-binary": b"\2tests=*\x00\x01",
    }


def memmap_seeds():
    tail = struct.pack("<QQB", 0x100000000, 2 * GiB, UNACCEPTED)
    return {
        "ovmf": memmap(OVMF) + tail,
        "odd": memmap(ODD) + struct.pack("<QQB", 0x0, 8 * GiB, CONVENTIONAL),
        "edk2-40": memmap(SORTED_SMALL, desc_size=40) + tail,
        "unsorted-overlap": memmap(list(reversed(OVMF)) + [(CONVENTIONAL, 0x7F100000, 0x200000)]) + tail,
        "bad-shape": memmap(SORTED_SMALL, desc_size=44, version=2) + tail,
    }


def conform_seeds():
    addrs = [0x7FB7E014, 0x7F7F0000, 0x80C000, 0x7F300000, 0x180000000, 0x200000000000]
    tail = struct.pack("<B", len(addrs)) + b"".join(struct.pack("<Q", a) for a in addrs)
    tail += cc_blob() + struct.pack("<BQ", 9, 4 * GiB)
    return {
        "ovmf": memmap(OVMF) + memmap(OVMF) + tail,
        "changed": memmap(OVMF) + memmap(OVMF[:-1]) + tail,
        "odd": memmap(ODD) + memmap(ODD) + tail,
    }


def unaccepted_table_seeds():
    t = unaccepted_table(0x100000000, 3 * GiB)
    half = unaccepted_table(0x100000000, 3 * GiB, bits=b"\x0e" * 96 + b"\xf0" * 96)
    reqs = struct.pack("<QIB", 0x100000000, 1024, 255) + struct.pack("<QIB", 0x140001000, 3, 255)
    reqs += struct.pack("<QIB", 0x100000000, 0x40000, 7)
    return {
        "valid": memmap(OVMF) + struct.pack("<QIH", 0x7E000000, len(t) - 24, len(t)) + t + reqs,
        "half": memmap(OVMF) + struct.pack("<QIH", 0x7E000000, len(half) - 24, len(half)) + half + reqs,
        "in-unaccepted": memmap(OVMF) + struct.pack("<QIH", 0x180000000, len(t) - 24, len(t)) + t + reqs,
    }


def unaccepted_boot_seeds():
    t = unaccepted_table(0x100000000, 3 * GiB)
    final = OVMF[:-1] + [(CONVENTIONAL, 0x180000000, 0x40000000)]  # the firmware accepted the last GiB
    early = struct.pack("<B", 1) + struct.pack("<QI", 0x180000000, 0x40000)
    reqs = struct.pack("<QIB", 0x100000000, 1, 255) + struct.pack("<QIB", 0x100200000, 2048, 255)
    reqs += struct.pack("<QIB", 0x140000000, 0x10000, 3)
    win = struct.pack("<IH", 0x1000, len(t)) + t
    return {
        "build": struct.pack("<B", 2) + memmap(OVMF) + memmap(final) + win + early + reqs,
        "reuse": struct.pack("<B", 3) + memmap(OVMF) + memmap(OVMF) + win + early + reqs,
        "odd": struct.pack("<B", 2) + memmap(ODD) + memmap(ODD) + win + struct.pack("<B", 0) + reqs,
        "stops-short": struct.pack("<B", 0) + memmap(ODD) + memmap(ODD) + win + struct.pack("<B", 0) + reqs,
    }


def madt(cpus, lapic=0xFEE00000, extra=b""):
    """An MADT as QEMU q35 builds it: Processor Local APIC entries (x2APIC ones for IDs above 254)."""
    body = struct.pack("<II", lapic, 1)
    for uid, (apic_id, flags) in enumerate(cpus):
        if apic_id < 255:
            body += struct.pack("<BBBBI", 0, 8, uid, apic_id, flags)
        else:
            body += struct.pack("<BBHIII", 9, 16, 0, apic_id, flags, uid)
    return sdt(b"APIC", body + extra, revision=5)


def madt_seeds():
    four = madt([(i, 1) for i in range(4)])
    xsdt = sdt(b"XSDT", struct.pack("<QQ", 0x7FB79000, 0x7FB7C000))
    rsdt = sdt(b"RSDT", struct.pack("<II", 0x7FB79000, 0x7FB7C000))
    walk = struct.pack("<BQ", 1, 0x7FB7E014) + regions(
        [(0x7FB7E014, rsdp(xsdt=0x7FB7D0E8)), (0x7FB7D0E8, xsdt), (0x7FB79000, fadt()), (0x7FB7C000, four)])
    walk_rsdt = struct.pack("<BQ", 1, 0x7FB7E014) + regions(
        [(0x7FB7E014, rsdp(rsdt=0x7FB7D000, revision=0)), (0x7FB7D000, rsdt), (0x7FB7C000, four)])
    return {
        "q35-4cpus": b"\0" + four,
        "hotplug": b"\0" + madt([(0, 1), (1, 1), (2, 2), (3, 0)]),  # online capable, unusable
        "x2apic": b"\0" + madt([(0, 1), (300, 1), (0xFFFFFFFF, 1)],
                                extra=struct.pack("<BBHQ", 5, 12, 0, 0xFEE00000)),  # and an override
        "duplicate": b"\0" + madt([(1, 1), (1, 1), (0xFF, 1)]),
        "walk-xsdt": walk,
        "walk-rsdt": walk_rsdt,
    }


def zero_page(e820=(), efi=None, cmdline_pa=0, setup_data=0, version=0x020F):
    """struct boot_params as kexec_file_load fills it (arch/x86/kernel/kexec-bzimage64.c)."""
    page = bytearray(4096)
    page[0x1E8] = len(e820)
    for i, (addr, size, typ) in enumerate(e820):
        struct.pack_into("<QQI", page, 0x2D0 + 20 * i, addr, size, typ)
    if efi:
        sig, systab, memmap, memmap_size, desc = efi
        struct.pack_into("<4sIIIIIII", page, 0x1C0, sig, systab & 0xFFFFFFFF, desc, 1, memmap & 0xFFFFFFFF,
                         memmap_size, systab >> 32, memmap >> 32)
    struct.pack_into("<H", page, 0x206, version)
    page[0x210] = 0xD0
    struct.pack_into("<I", page, 0x228, cmdline_pa & 0xFFFFFFFF)
    struct.pack_into("<I", page, 0x0C8, cmdline_pa >> 32)
    struct.pack_into("<Q", page, 0x250, setup_data)
    return bytes(page)


def boot_params_seeds():
    e820 = [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0xF0000, 0x10000, 2), (0x100000, 0x7EE00000, 1),
            (0x7EF00000, 0x100000, 4), (0x100000000, 0x40000000, 1)]
    systab, tables, setup, line = 0x7F9E1018, 0x7F9E2000, 0x7EFFF000, 0x7EFFE000
    st = struct.pack("<QIIII", 0x5453595320494249, 0x20046, 0x78, 0, 0) + bytes(0x68 - 24) + \
        struct.pack("<QQ", 3, 0xFFFFFFFF00001000)  # NumberOfTableEntries, a virtual ConfigurationTable
    array = b"".join(bytes([i]) * 16 + struct.pack("<Q", 0x7F000000 + i * PAGE) for i in range(3))
    efi_node = struct.pack("<QII", 0, 4, 96) + struct.pack("<QQQQ", 0x7F9E3000, 0, tables, 0x7F8E0000) + bytes(64)
    chain = struct.pack("<QII", setup + 0x40, 9, 32) + bytes(range(32)) + bytes(16) + efi_node
    memory = regions([(line, b"console=ttyS0 tests=efi.*\0"), (setup, chain), (systab, st), (tables, array)])
    kexec = zero_page(e820, (b"EL64", systab, 0x7E000000, 48 * 8, 48), line, setup)
    bios = zero_page(e820[:4], None, line, 0)
    loop = struct.pack("<QII", setup, 9, 0)  # a node pointing to itself
    return {
        "kexec-efi": kexec + struct.pack("<I", 2047) + memory,
        "bios": bios + struct.pack("<I", 2047) + regions([(line, b"ccktf\0")]),
        "el32": zero_page(e820, (b"EL32", systab, 0, 0, 0)) + struct.pack("<I", 255) + b"\0",
        "loop": zero_page(e820, None, 0, setup) + struct.pack("<I", 0) + regions([(setup, loop)]),
        "e820-full": zero_page([(i * MiB, MiB, 1 + i % 5) for i in range(128)]) + bytes(5),
    }


SEEDS = {
    "memmap": memmap_seeds,
    "conform": conform_seeds,
    "acpi": acpi_seeds,
    "snp": snp_seeds,
    "tdx": tdx_seeds,
    "args": args_seeds,
    "unaccepted_table": unaccepted_table_seeds,
    "unaccepted_boot": unaccepted_boot_seeds,
    "madt": madt_seeds,
    "boot_params": boot_params_seeds,
}


def main():
    for target, make in SEEDS.items():
        d = os.path.join(OUT, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in make().items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(os.listdir(d))} seeds")


if __name__ == "__main__":
    main()
