/* SPDX-License-Identifier: MIT */
/*
 * Finding an ACPI table from the RSDP (ACPI 6.5 section 5.2.5.3 RSDP, 5.2.8 XSDT, 5.2.7 RSDT): the walk the
 * power-off port (acpi_pm.c) and the processors (acpi_madt.c) share. The tables are the host's (QEMU builds
 * them), so each is read through a reader (struct acpi_phys, which may refuse an address) and checked before
 * it is trusted: the RSDP's signature and checksum, each table's signature, a length between the header and
 * 1 MiB, and its checksum.
 */
#include <ccktf/string.h>
#include "efi/acpi_pm.h"

#define SDT_LENGTH_OFFSET 4
#define SDT_MAX_LENGTH (1u << 20)

u32 acpi_le32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

u64 acpi_le64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

bool acpi_sum_zero(const u8 *p, u32 len)
{
	u8 sum = 0;

	for (u32 i = 0; i < len; i++)
		sum = (u8)(sum + p[i]);
	return sum == 0;
}

/* len bytes at pa through the reader, or NULL. */
static const u8 *at(const struct acpi_phys *phys, u64 pa, u64 len)
{
	return pa ? phys->read(phys->ctx, pa, len) : NULL;
}

/* A system description table with this signature, whole and with a good checksum; *len its length. */
static const u8 *sdt(const struct acpi_phys *phys, u64 addr, const char *sig, u32 *len)
{
	const u8 *t = at(phys, addr, SDT_LENGTH_OFFSET + 4);

	if (!t || memcmp(t, sig, 4))
		return NULL;
	*len = acpi_le32(t + SDT_LENGTH_OFFSET);
	if (*len < ACPI_SDT_HEADER_SIZE || *len > SDT_MAX_LENGTH || !(t = at(phys, addr, *len)))
		return NULL;
	return acpi_sum_zero(t, *len) ? t : NULL;
}

const u8 *acpi_find_table(const struct acpi_phys *phys, u64 rsdp_pa, const char *sig, u32 *len)
{
	const u8 *rsdp = at(phys, rsdp_pa, ACPI_RSDP_V1_SIZE), *root;
	u32 root_len;
	bool x;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) || !acpi_sum_zero(rsdp, ACPI_RSDP_V1_SIZE))
		return NULL;
	/* Revision 2 adds the XSDT address at offset 24. */
	x = rsdp[ACPI_RSDP_REVISION_OFFSET] >= 2;
	if (x && !(rsdp = at(phys, rsdp_pa, ACPI_RSDP_XSDT_OFFSET + 8)))
		return NULL;
	root = x ? sdt(phys, acpi_le64(rsdp + ACPI_RSDP_XSDT_OFFSET), "XSDT", &root_len) :
		   sdt(phys, acpi_le32(rsdp + ACPI_RSDP_RSDT_OFFSET), "RSDT", &root_len);
	if (!root)
		return NULL;
	for (u32 off = ACPI_SDT_HEADER_SIZE, step = x ? 8 : 4; off + step <= root_len; off += step) {
		const u8 *t = sdt(phys, x ? acpi_le64(root + off) : acpi_le32(root + off), sig, len);
		if (t)
			return t;
	}
	return NULL;
}
