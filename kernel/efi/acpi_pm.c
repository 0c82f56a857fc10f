/* SPDX-License-Identifier: MIT */
/*
 * Where the ACPI PM1a control register lives, read from the firmware's tables (ACPI 6.5 section 5.2.5.3
 * RSDP, 5.2.8 XSDT, 5.2.7 RSDT, 5.2.9 FADT): the fixed-hardware register a guest writes SLP_TYP | SLP_EN
 * to power off (section 4.8.3.2.1). A confidential guest cannot call the firmware's ResetSystem() after
 * ExitBootServices (its port I/O would raise #VE/#VC), so ccktf powers off itself, as OVMF's
 * OvmfPkg/Library/ResetSystemLib does (PM1a_CNT at PM base + 4: port 0x604 on QEMU q35), through the
 * kernel's own port-I/O backend. Every table is checked before it is trusted; 0 means "not found".
 *
 * The walk reads memory only through a reader (struct acpi_phys), so that it is pure: the kernel's reader is
 * its identity map, the fuzz target's (tests/fuzz/fuzz_acpi.c) a model of physical memory that refuses
 * what the host did not provide.
 */
#include <ccktf/string.h>
#include "efi/acpi_pm.h"
#include "mm/memmap.h"

#define FADT_PM1A_CNT_BLK 64
#define FADT_X_PM1A_CNT_BLK 172 /* a Generic Address Structure, 12 bytes */
#define GAS_SYSTEM_IO 1
#define GAS_ADDRESS_OFFSET 4

u16 acpi_pm1a_cnt_port_from(u64 rsdp_pa, const struct acpi_phys *phys)
{
	u32 len;
	const u8 *fadt = acpi_find_table(phys, rsdp_pa, "FACP", &len);

	if (!fadt)
		return 0;
	if (len >= FADT_X_PM1A_CNT_BLK + 12 && fadt[FADT_X_PM1A_CNT_BLK] == GAS_SYSTEM_IO) {
		u64 port = acpi_le64(fadt + FADT_X_PM1A_CNT_BLK + GAS_ADDRESS_OFFSET);
		if (port && port <= 0xffff)
			return (u16)port;
	}
	if (len >= FADT_PM1A_CNT_BLK + 4 && acpi_le32(fadt + FADT_PM1A_CNT_BLK) <= 0xffff)
		return (u16)acpi_le32(fadt + FADT_PM1A_CNT_BLK);
	return 0;
}

/* The kernel runs on an identity map: a physical address is the pointer. */
static const void *identity(void *ctx, u64 pa, u64 len)
{
	(void)ctx, (void)len;
	return (const void *)(uintptr_t)pa;
}

u16 acpi_pm1a_cnt_port(const void *rsdp)
{
	const struct acpi_phys phys = { identity, NULL };

	return acpi_pm1a_cnt_port_from((u64)(uintptr_t)rsdp, &phys);
}

/*
 * Whether [pa, pa + len) touches memory the map reports unaccepted (type 15). The host writes the ACPI
 * tables' pointers: in a TD with SEPT_VE_DISABLE one read of unaccepted memory ends the guest, and on SNP
 * it raises #VC 0x404, so such a table is refused instead of read.
 */
bool acpi_range_unaccepted(const struct memmap *m, u64 pa, u64 len)
{
	const u8 *p = m->buf;

	if (pa + len < pa)
		return true;
	for (u64 off = 0; memmap_steppable(m) && off + m->desc_size <= m->map_size; off += m->desc_size) {
		const struct efi_memory_descriptor *d = (const void *)(p + off);
		u64 end;

		if (memmap_type_is_unaccepted(d->type) && memmap_desc_end(d, &end) && pa < end &&
		    d->phys_start < pa + len)
			return true;
	}
	return false;
}

static const void *accepted_only(void *ctx, u64 pa, u64 len)
{
	return acpi_range_unaccepted(ctx, pa, len) ? NULL : (const void *)(uintptr_t)pa;
}

u16 acpi_pm1a_cnt_port_in(const void *rsdp, const struct memmap *m)
{
	const struct acpi_phys phys = { accepted_only, (void *)m };

	return acpi_pm1a_cnt_port_from((u64)(uintptr_t)rsdp, &phys);
}
