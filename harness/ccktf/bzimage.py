"""``bzimage-check``: an image against the x86 boot protocol, kexec's bzImage64 loaders and Xen's EFI kexec type.

Every rule reads the file as untrusted bytes: a field the file is too short to hold makes its rule fail
("missing"), never an exception. Rules are grouped by who imposes them (docs/bzimage.md lists each one):

- ``boot``: Linux ``Documentation/arch/x86/boot.rst`` (field offsets: ``arch/x86/include/uapi/asm/bootparam.h``);
- ``kexec``: what Linux's ``kexec_file_load`` (``arch/x86/kernel/kexec-bzimage64.c``, ``bzImage64_probe()`` and
  ``bzImage64_load()``) and kexec-tools' ``kexec_load`` path (``kexec/arch/x86_64/kexec-bzImage64.c``) require;
- ``xen``: the rules of Xen's proposed EFI kexec type (xen-devel series "x86/kexec: Implement new EFI load
  type": magic, version >= 0x0202, setup_sects 0 means 4, kern16, kernel_alignment, entry);
- ``pe``: for a file that starts with "MZ" (an EFI-stub image), the PE/COFF facts that keep it loadable by
  UEFI and signable (Microsoft PE/COFF specification rev. 12), checked only so far as they meet the bzImage.

``check(data)`` returns one ``Result`` per rule; ``render()`` prints one line each with the value found.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

BOOT_RST = "boot.rst"
KEXEC_FILE = "kexec-bzimage64.c"
KEXEC_TOOLS = "kexec-tools kexec-bzImage64.c"
XEN = "Xen EFI kexec type"
PECOFF = "PE/COFF rev. 12"

SECTOR = 512
SETUP_HEADER = 0x1F1
HDRS = b"HdrS"
BOOT_FLAG = 0xAA55
LOADED_HIGH = 0x01
XLF_KERNEL_64 = 1 << 0
XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1
XLF_EFI_HANDOVER_64 = 1 << 3
XLF_EFI_KEXEC = 1 << 4
XLF_5LEVEL = 1 << 5
ENTRY_64 = 0x200  # boot.rst: the 64-bit entry is at the load address + 0x200
MAX_ELFCOREHDR_STR_LEN = 30  # kexec-bzimage64.c: room for " elfcorehdr=0x<64-bit value>"
PAGE = 4096
MiB = 1 << 20
KERNEL_INFO_MAGIC = b"LToP"
KERNEL_INFO_FIXED = 16  # header, size, size_total, setup_type_max (boot.rst "kernel_info")

# The setup header (boot.rst "The Real-Mode Kernel Header"): name -> (offset, size, first protocol version).
FIELDS = {
    "setup_sects": (0x1F1, 1, 0x0000), "syssize": (0x1F4, 4, 0x0204), "boot_flag": (0x1FE, 2, 0x0000),
    "jump": (0x200, 2, 0x0200), "header": (0x202, 4, 0x0200), "version": (0x206, 2, 0x0200),
    "kernel_version": (0x20E, 2, 0x0200), "loadflags": (0x211, 1, 0x0200),
    "cmd_line_ptr": (0x228, 4, 0x0202), "initrd_addr_max": (0x22C, 4, 0x0203),
    "kernel_alignment": (0x230, 4, 0x0205), "relocatable_kernel": (0x234, 1, 0x0205),
    "min_alignment": (0x235, 1, 0x020A), "xloadflags": (0x236, 2, 0x020C), "cmdline_size": (0x238, 4, 0x0206),
    "hardware_subarch": (0x23C, 4, 0x0207), "hardware_subarch_data": (0x240, 8, 0x0207),
    "payload_offset": (0x248, 4, 0x0208), "payload_length": (0x24C, 4, 0x0208), "setup_data": (0x250, 8, 0x0209),
    "pref_address": (0x258, 8, 0x020A), "init_size": (0x260, 4, 0x020A), "handover_offset": (0x264, 4, 0x020B),
    "kernel_info_offset": (0x268, 4, 0x020F),
}


class Missing(Exception):
    """A field the file does not hold (too short, or a header version that predates the field)."""


def header_end(version: int) -> int:
    """Where the setup header of this protocol version ends: its last field's end."""
    return max(offset + size for offset, size, since in FIELDS.values() if since <= version)


class Image:
    """The bytes of one file, read field by field."""

    def __init__(self, data: bytes):
        self.data = data

    def bytes_at(self, offset: int, size: int, what: str) -> bytes:
        if offset < 0 or offset + size > len(self.data):
            raise Missing(f"{what} at 0x{offset:x} is beyond the end of the file (0x{len(self.data):x} bytes)")
        return self.data[offset:offset + size]

    def u(self, offset: int, size: int, what: str = "field") -> int:
        return int.from_bytes(self.bytes_at(offset, size, what), "little")

    def field(self, name: str) -> int:
        offset, size, since = FIELDS[name]
        if since > 0x0200:
            version = self.version
            if version < since:
                raise Missing(f"{name} exists from protocol {since >> 8}.{since & 0xff:02d}; "
                              f"the header says {version >> 8}.{version & 0xff:02d}")
        return self.u(offset, size, name)

    @property
    def version(self) -> int:
        if self.bytes_at(0x202, 4, "header") != HDRS:
            return 0x0000  # boot.rst: no "HdrS" means the "old" protocol
        return self.u(0x206, 2, "version")

    @property
    def setup_sects(self) -> int:
        """boot.rst: 0 means 4."""
        return self.field("setup_sects") or 4

    @property
    def kern16(self) -> int:
        """Bytes before the protected-mode part: the boot sector and the setup sectors."""
        return (self.setup_sects + 1) * SECTOR

    @property
    def payload_end(self) -> int:
        """Where the image proper ends: before an Authenticode certificate table at the file's tail."""
        cert = self.pe_certificates()
        if cert and cert[0] + cert[1] == len(self.data):
            return cert[0]
        return len(self.data)

    # --- PE/COFF, for images that start with "MZ" ---------------------------------------------------------
    def is_pe(self) -> bool:
        return self.data[:2] == b"MZ"

    def pe_offset(self) -> int:
        offset = self.u(0x3C, 4, "e_lfanew")
        if self.bytes_at(offset, 4, "PE signature") != b"PE\0\0":
            raise Missing(f"no PE signature at e_lfanew 0x{offset:x}")
        return offset

    def pe_optional(self) -> int:
        return self.pe_offset() + 24

    def pe_sections(self) -> list[tuple[str, int, int, int, int]]:
        """(name, virtual size, RVA, raw size, raw offset) of each section."""
        pe = self.pe_offset()
        count = self.u(pe + 6, 2, "NumberOfSections")
        table = pe + 24 + self.u(pe + 20, 2, "SizeOfOptionalHeader")
        sections = []
        for i in range(count):
            raw = self.bytes_at(table + 40 * i, 40, f"section header {i}")
            name, vsize, rva, rsize, roff = struct.unpack_from("<8sIIII", raw)
            sections.append((name.rstrip(b"\0").decode("latin-1"), vsize, rva, rsize, roff))
        return sections

    def pe_section_table_end(self) -> int:
        pe = self.pe_offset()
        return pe + 24 + self.u(pe + 20, 2, "SizeOfOptionalHeader") + 40 * self.u(pe + 6, 2, "NumberOfSections")

    def pe_directory(self, index: int) -> Optional[tuple[int, int]]:
        opt = self.pe_optional()
        if self.u(opt + 108, 4, "NumberOfRvaAndSizes") <= index:
            return None
        address, size = struct.unpack("<II", self.bytes_at(opt + 112 + 8 * index, 8, "data directory"))
        return (address, size) if address or size else None

    def pe_certificates(self) -> Optional[tuple[int, int]]:
        """The security directory (index 4): a file offset and size, not an RVA (PE/COFF 4.7)."""
        if not self.is_pe():
            return None
        try:
            return self.pe_directory(4)
        except Missing:
            return None


@dataclass(frozen=True)
class Result:
    family: str
    name: str
    source: str
    ok: Optional[bool]  # None: does not apply (found says why)
    found: str
    need: str

    @property
    def rule(self) -> str:
        return f"{self.family}.{self.name}"


Check = Callable[[Image], tuple[Optional[bool], str]]


@dataclass(frozen=True)
class Rule:
    family: str
    name: str
    source: str
    need: str
    check: Check


def hex_(value: int) -> str:
    return f"0x{value:x}"


def version_text(version: int) -> str:
    return f"0x{version:04x} ({version >> 8}.{version & 0xff:02d})"


def is_pow2(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def flag(name: str, bit: int) -> Check:
    def check(image: Image) -> tuple[Optional[bool], str]:
        value = image.field(name)
        return bool(value & bit), f"{name}={hex_(value)}"
    return check


def at_least(name: str, minimum: int) -> Check:
    def check(image: Image) -> tuple[Optional[bool], str]:
        value = image.field(name)
        return value >= minimum, str(value)
    return check


# --- the rules, one function each where a lambda would hide the logic -----------------------------------
def magic(image: Image) -> tuple[Optional[bool], str]:
    found = image.bytes_at(0x202, 4, "header")
    return found == HDRS, repr(found)


def boot_flag(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("boot_flag")
    return value == BOOT_FLAG, hex_(value)


def version_at_least(minimum: int) -> Check:
    def check(image: Image) -> tuple[Optional[bool], str]:
        version = image.version
        return version >= minimum, version_text(version)
    return check


def setup_sects(image: Image) -> tuple[Optional[bool], str]:
    raw = image.field("setup_sects")
    kern16 = image.kern16
    found = f"{raw}{' (0 means 4)' if raw == 0 else ''}, kern16={hex_(kern16)}, file={hex_(len(image.data))}"
    return kern16 < image.payload_end, found


def file_holds_kern16(image: Image) -> tuple[Optional[bool], str]:
    return len(image.data) >= image.kern16, f"file={hex_(len(image.data))}, kern16={hex_(image.kern16)}"


def jump(image: Image) -> tuple[Optional[bool], str]:
    opcode, rel = image.bytes_at(0x200, 2, "jump")
    rel = rel - 256 if rel >= 128 else rel
    end = 0x202 + rel
    need_end = header_end(image.version)
    found = f"{opcode:02x} {rel & 0xff:02x}: header ends at {hex_(end)}, version's last field at {hex_(need_end)}"
    return opcode == 0xEB and end >= need_end, found


def syssize(image: Image) -> tuple[Optional[bool], str]:
    paragraphs = image.field("syssize")
    covered = image.kern16 + 16 * paragraphs
    end = image.payload_end
    return 0 <= covered - end < 16, f"{hex_(paragraphs)} paragraphs: kern16 + 16 * syssize = {hex_(covered)}, image ends at {hex_(end)}"


def kernel_version(image: Image) -> tuple[Optional[bool], str]:
    pointer = image.field("kernel_version")
    if pointer == 0:
        return None, "0 (no version string)"
    offset = pointer + 0x200
    setup = image.setup_sects * SECTOR
    window = image.data[offset:min(image.kern16, len(image.data))]
    end = window.find(b"\0")
    if pointer >= setup or end < 0:
        return False, f"{hex_(pointer)}: string at {hex_(offset)} not NUL-terminated inside the setup ({hex_(setup)} bytes)"
    text = window[:end].decode("latin-1")
    return True, f"{hex_(pointer)}: {text!r}"


def relocatable(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("relocatable_kernel")
    xflags = image.field("xloadflags")
    if not xflags & XLF_CAN_BE_LOADED_ABOVE_4G:
        return None, f"{value} (XLF_CAN_BE_LOADED_ABOVE_4G not set)"
    return value != 0, str(value)


def alignment_pow2(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("kernel_alignment")
    return is_pow2(value) and value >= PAGE, hex_(value)


def min_alignment(image: Image) -> tuple[Optional[bool], str]:
    lg2 = image.field("min_alignment")
    alignment = image.field("kernel_alignment")
    return lg2 < 64 and (1 << lg2) <= alignment, f"2^{lg2} vs kernel_alignment {hex_(alignment)}"


def pref_address(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("pref_address")
    alignment = image.field("kernel_alignment")
    return alignment > 0 and value % alignment == 0, f"{hex_(value)} (kernel_alignment {hex_(alignment)})"


def init_size(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("init_size")
    loaded = image.payload_end - image.kern16
    return value >= loaded, f"{hex_(value)} for {hex_(loaded)} bytes loaded"


def kernel_info(image: Image) -> tuple[Optional[bool], str]:
    if image.version < 0x020F:
        return None, f"protocol {version_text(image.version)} has no kernel_info"
    offset = image.kern16 + image.field("kernel_info_offset")
    head = image.bytes_at(offset, KERNEL_INFO_FIXED, "kernel_info")
    magic_, size, total, type_max = struct.unpack("<4sIII", head)
    fits = offset + total <= image.payload_end
    ok = magic_ == KERNEL_INFO_MAGIC and KERNEL_INFO_FIXED <= size <= total and fits
    return ok, f"at {hex_(offset)}: {magic_!r} size={size} size_total={total} setup_type_max={hex_(type_max)}"


def entry_64_in_image(image: Image) -> tuple[Optional[bool], str]:
    entry = image.kern16 + ENTRY_64
    return entry < image.payload_end, f"file offset {hex_(entry)} (load address + {hex_(ENTRY_64)}), image ends at {hex_(image.payload_end)}"


def handover(image: Image) -> tuple[Optional[bool], str]:
    if not image.field("xloadflags") & XLF_EFI_HANDOVER_64:
        return None, "XLF_EFI_HANDOVER_64 not set"
    entry = image.kern16 + image.field("handover_offset") + ENTRY_64
    return entry < image.payload_end, f"file offset {hex_(entry)}"


def kexec_length(image: Image) -> tuple[Optional[bool], str]:
    return len(image.data) >= 2 * SECTOR, f"{len(image.data)} bytes"


def kexec_cmdline(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("cmdline_size")
    return value >= 1 + MAX_ELFCOREHDR_STR_LEN, str(value)


def kexec_memsz(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("init_size")
    memsz = (value + PAGE - 1) // PAGE * PAGE
    bufsz = len(image.data) - image.kern16
    return memsz >= bufsz, f"PAGE_ALIGN(init_size)={hex_(memsz)}, file after kern16={hex_(bufsz)}"


def kexec_alignment(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("kernel_alignment")
    return is_pow2(value), hex_(value)


def xen_alignment(image: Image) -> tuple[Optional[bool], str]:
    value = image.field("kernel_alignment")
    return value % (2 * MiB) == 0 and 2 * MiB <= value <= 16 * MiB, hex_(value)


def xen_setup_sects(image: Image) -> tuple[Optional[bool], str]:
    raw = image.field("setup_sects")
    return image.kern16 <= len(image.data), f"{raw}{' (means 4)' if raw == 0 else ''}: kern16={hex_(image.kern16)}"


def xen_entry(image: Image) -> tuple[Optional[bool], str]:
    entry = image.kern16 + ENTRY_64
    return entry < image.payload_end, f"dest + kern16 + 0x200 = dest + {hex_(entry)} (dest + kern16 aligned to kernel_alignment)"


# --- PE/COFF ----------------------------------------------------------------------------------------------
def pe_kind(image: Image) -> tuple[Optional[bool], str]:
    pe = image.pe_offset()
    machine = image.u(pe + 4, 2, "Machine")
    opt = image.pe_optional()
    magic_ = image.u(opt, 2, "optional header magic")
    subsystem = image.u(opt + 68, 2, "Subsystem")
    return (machine, magic_, subsystem) == (0x8664, 0x20B, 10), \
        f"machine={hex_(machine)} magic={hex_(magic_)} subsystem={subsystem}"


def pe_before_setup(image: Image) -> tuple[Optional[bool], str]:
    end = image.pe_section_table_end()
    return end <= SETUP_HEADER, f"PE headers end at {hex_(end)}"


def pe_sections(image: Image) -> tuple[Optional[bool], str]:
    opt = image.pe_optional()
    headers = image.u(opt + 60, 4, "SizeOfHeaders")
    file_align = image.u(opt + 36, 4, "FileAlignment")
    sections = image.pe_sections()
    bad = [name for name, _, _, rsize, roff in sections if rsize and (roff < headers or roff + rsize > len(image.data))]
    ok = is_pow2(file_align) and not bad and image.pe_section_table_end() <= headers
    return ok, (f"{len(sections)} sections, SizeOfHeaders={hex_(headers)}, FileAlignment={hex_(file_align)}"
                + (f"; outside the file or over the headers: {', '.join(bad)}" if bad else ""))


def uncovered(image: Image) -> list[tuple[int, int]]:
    """The [start, end) ranges of the image proper (before a certificate table) that neither the headers
    (SizeOfHeaders) nor any section's raw data cover."""
    opt = image.pe_optional()
    covered = sorted([(0, image.u(opt + 60, 4, "SizeOfHeaders"))] +
                     [(roff, roff + rsize) for _, _, _, rsize, roff in image.pe_sections() if rsize])
    gaps, at = [], 0
    for start, end in covered:
        if start > at:
            gaps.append((at, min(start, image.payload_end)))
        at = max(at, end)
    if at < image.payload_end:
        gaps.append((at, image.payload_end))
    return [(a, b) for a, b in gaps if a < b]


def pe_flat_signed(image: Image) -> tuple[Optional[bool], str]:
    """Authenticode hashes the headers and each section's raw data, nothing between them (PE/COFF 4.7;
    edk2 DxeImageVerificationLib HashPeImage()); a flat bzImage load (kexec) maps every byte of the file, so a
    byte outside them would be loaded unsigned."""
    gaps = uncovered(image)
    return not gaps, ("every byte is in the headers or a section" if not gaps else
                      "not in the headers or any section: " + ", ".join(f"{hex_(a)}-{hex_(b)}" for a, b in gaps))


def pe_checksum_of(data: bytes, field: int) -> int:
    """PE/COFF checksum (as imagehlp's CheckSumMappedFile): 16-bit one's-complement-style sum, skipping the
    CheckSum field, plus the file length."""
    padded = data + b"\0" * (len(data) % 2)
    words = struct.unpack(f"<{len(padded) // 2}H", padded)
    total = sum(words) - words[field // 2] - words[field // 2 + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (total + len(data)) & 0xFFFFFFFF


def pe_checksum(image: Image) -> tuple[Optional[bool], str]:
    field = image.pe_optional() + 64
    value = image.u(field, 4, "CheckSum")
    if value == 0:
        return None, "0 (not set)"
    computed = pe_checksum_of(image.data, field)
    return value == computed, f"{hex_(value)}, computed {hex_(computed)}"


def pe_certificates(image: Image) -> tuple[Optional[bool], str]:
    cert = image.pe_certificates()
    if cert is None:
        return None, "none (unsigned)"
    offset, size = cert
    return offset + size == len(image.data) and offset % 8 == 0, \
        f"{hex_(size)} bytes at {hex_(offset)}, file ends at {hex_(len(image.data))}"


RULES = (
    # Linux boot protocol
    Rule("boot", "boot_flag", f'{BOOT_RST} "boot_flag"', "0xaa55", boot_flag),
    Rule("boot", "header", f'{BOOT_RST} "header"', "'HdrS'", magic),
    Rule("boot", "version", f'{BOOT_RST} "xloadflags" (2.12+: the 64-bit entry)', ">= 0x020c", version_at_least(0x020C)),
    Rule("boot", "jump", f'{BOOT_RST} "jump": EB rel8, its target the header\'s end', "covers the version's fields", jump),
    Rule("boot", "setup_sects", f'{BOOT_RST} "setup_sects" (0 means 4)', "kern16 inside the image", setup_sects),
    Rule("boot", "syssize", f'{BOOT_RST} "syssize"', "the protected-mode part, to the paragraph", syssize),
    Rule("boot", "kernel_version", f'{BOOT_RST} "kernel_version"', "< 0x200 * setup_sects, NUL-terminated", kernel_version),
    Rule("boot", "loadflags", f'{BOOT_RST} "loadflags" bit 0', "LOADED_HIGH", flag("loadflags", LOADED_HIGH)),
    Rule("boot", "xloadflags_kernel_64", f'{BOOT_RST} "xloadflags" bit 0', "XLF_KERNEL_64", flag("xloadflags", XLF_KERNEL_64)),
    Rule("boot", "relocatable_kernel", f'{BOOT_RST} "relocatable_kernel", "xloadflags" bit 1', "nonzero when loadable above 4G", relocatable),
    Rule("boot", "kernel_alignment", f'{BOOT_RST} "kernel_alignment"', "a power of two >= 4 KiB", alignment_pow2),
    Rule("boot", "min_alignment", f'{BOOT_RST} "min_alignment"', "2^min_alignment <= kernel_alignment", min_alignment),
    Rule("boot", "cmdline_size", f'{BOOT_RST} "cmdline_size"', "> 0", at_least("cmdline_size", 1)),
    Rule("boot", "pref_address", f'{BOOT_RST} "pref_address", "init_size" (runtime_start)', "a multiple of kernel_alignment", pref_address),
    Rule("boot", "init_size", f'{BOOT_RST} "init_size"', ">= the bytes loaded", init_size),
    Rule("boot", "kernel_info", f'{BOOT_RST} "The kernel_info" (2.15+)', "'LToP', 16 <= size <= size_total, inside the image", kernel_info),
    Rule("boot", "entry_64", f'{BOOT_RST} "64-bit BOOT PROTOCOL"', "load address + 0x200 inside the image", entry_64_in_image),
    Rule("boot", "handover_offset", f'{BOOT_RST} "handover_offset"', "inside the image if XLF_EFI_HANDOVER_64", handover),
    # kexec_file_load (Linux) and kexec_load (kexec-tools)
    Rule("kexec", "length", f"{KEXEC_FILE} bzImage64_probe()", ">= 1024 bytes", kexec_length),
    Rule("kexec", "header", f"{KEXEC_FILE} bzImage64_probe()", "'HdrS'", magic),
    Rule("kexec", "boot_flag", f"{KEXEC_FILE} bzImage64_probe()", "0xaa55", boot_flag),
    Rule("kexec", "version", f"{KEXEC_FILE} bzImage64_probe()", ">= 0x020c", version_at_least(0x020C)),
    Rule("kexec", "loaded_high", f"{KEXEC_FILE} bzImage64_probe()", "LOADED_HIGH", flag("loadflags", LOADED_HIGH)),
    Rule("kexec", "kernel_64", f"{KEXEC_FILE} bzImage64_probe()", "XLF_KERNEL_64", flag("xloadflags", XLF_KERNEL_64)),
    Rule("kexec", "above_4g", f"{KEXEC_FILE} bzImage64_probe()", "XLF_CAN_BE_LOADED_ABOVE_4G", flag("xloadflags", XLF_CAN_BE_LOADED_ABOVE_4G)),
    Rule("kexec", "5level", f"{KEXEC_FILE} bzImage64_probe() (refused under 5-level paging)", "XLF_5LEVEL", flag("xloadflags", XLF_5LEVEL)),
    Rule("kexec", "efi_kexec", f"{KEXEC_TOOLS} bzImage64_probe() (else no efi_info, no SETUP_EFI)", "XLF_EFI_KEXEC", flag("xloadflags", XLF_EFI_KEXEC)),
    Rule("kexec", "truncated", f"{KEXEC_FILE} bzImage64_load()", "file >= kern16", file_holds_kern16),
    Rule("kexec", "cmdline_size", f"{KEXEC_FILE} bzImage64_load() (elfcorehdr= appended)", f">= 1 + {MAX_ELFCOREHDR_STR_LEN}", kexec_cmdline),
    Rule("kexec", "memsz", f"{KEXEC_FILE} bzImage64_load() (segment memsz >= bufsz)", "PAGE_ALIGN(init_size) >= file - kern16", kexec_memsz),
    Rule("kexec", "kernel_alignment", f"{KEXEC_FILE} bzImage64_load() (buf_align)", "a power of two", kexec_alignment),
    Rule("kexec", "entry_64", f"{KEXEC_FILE} bzImage64_load() (rip = load + 0x200)", "inside the image", entry_64_in_image),
    # Xen's proposed EFI kexec type
    Rule("xen", "magic", XEN, "'HdrS'", magic),
    Rule("xen", "version", XEN, ">= 0x0202", version_at_least(0x0202)),
    Rule("xen", "setup_sects", XEN, "kern16 = (setup_sects (0: 4) + 1) * 512 inside the file", xen_setup_sects),
    Rule("xen", "kernel_alignment", XEN, "a multiple of 2 MiB in [2 MiB, 16 MiB]", xen_alignment),
    Rule("xen", "entry", XEN, "dest + kern16 + 0x200 inside the image", xen_entry),
)

PE_RULES = (
    Rule("pe", "kind", f"{PECOFF} 3.3, 3.4 (UEFI 2.10 2.1.1)", "AMD64, PE32+, EFI application", pe_kind),
    Rule("pe", "headers_before_setup", "Linux arch/x86/boot/header.S layout", "section table ends <= 0x1f1", pe_before_setup),
    Rule("pe", "sections", f"{PECOFF} 3.4, 4", "raw data inside the file, after SizeOfHeaders", pe_sections),
    Rule("pe", "flat_signed", f"{PECOFF} 4.7 (Authenticode hashes the headers and the sections' raw data)",
         "every byte before the certificates in the headers or a section", pe_flat_signed),
    Rule("pe", "checksum", f"{PECOFF} 3.4.2 CheckSum", "0 or the file's checksum", pe_checksum),
    Rule("pe", "certificates", f"{PECOFF} 4.7 (Authenticode)", "absent, or 8-aligned at the file's tail", pe_certificates),
)


def run_rule(rule: Rule, image: Image) -> Result:
    try:
        ok, found = rule.check(image)
    except Missing as missing:
        ok, found = False, f"missing: {missing}"
    return Result(rule.family, rule.name, rule.source, ok, found, rule.need)


def check(data: bytes) -> list[Result]:
    image = Image(data)
    results = [run_rule(rule, image) for rule in RULES]
    if image.is_pe():
        results += [run_rule(rule, image) for rule in PE_RULES]
    else:
        results += [Result(r.family, r.name, r.source, None, "not a PE image (no 'MZ')", r.need) for r in PE_RULES]
    return results


def failed(results: list[Result]) -> list[Result]:
    return [r for r in results if r.ok is False]


def render(path: Path, data: bytes, results: list[Result]) -> str:
    width = max(len(r.rule) for r in results)
    mark = {True: "ok  ", False: "FAIL", None: "skip"}
    lines = [f"bzimage-check: {path} ({len(data)} bytes)"]
    for r in results:
        lines.append(f"{mark[r.ok]} {r.rule:<{width}}  found {r.found}; need {r.need}  [{r.source}]")
    counts = [sum(1 for r in results if r.ok is v) for v in (True, False, None)]
    lines.append(f"bzimage-check: {len(results)} rules: {counts[0]} passed, {counts[1]} failed, {counts[2]} not applicable")
    return "\n".join(lines)


def read_image(path: Path) -> bytes:
    """The file's bytes; OSError (missing, unreadable, a directory) is the caller's exit status 2."""
    return path.read_bytes()
