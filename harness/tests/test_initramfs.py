"""The newc writer (harness/ccktf/initramfs.py), read back field by field."""

import pytest

from ccktf import initramfs


def test_archive_reads_back_with_modes_and_padding():
    entries = [initramfs.Entry("dev", mode=initramfs.S_IFDIR | 0o755),
               initramfs.Entry("init", b"\x7fELF" + bytes(5), initramfs.S_IFREG | 0o755),
               initramfs.Entry("kexec.img", b"MZ")]
    data = initramfs.archive(entries)
    assert data.startswith(b"070701") and len(data) % 4 == 0
    assert initramfs.read(data) == entries
    assert b"TRAILER!!!\0" in data


def test_header_fields_are_eight_hex_digits():
    header = initramfs.header(3, initramfs.Entry("ab", b"xyz", 0o100755))
    assert header[:6] == b"070701"
    assert header[6:14] == b"00000003" and header[14:22] == b"000081ed"
    assert header[54:62] == b"00000003"  # filesize
    assert header[94:102] == b"00000003"  # namesize, with the NUL
    assert header[110:113] == b"ab\0" and len(header) % 4 == 0


@pytest.mark.parametrize("name", ["/init", "a\0b"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError):
        initramfs.archive([initramfs.Entry(name)])
