/* SPDX-License-Identifier: MIT */
/*
 * Target acpi: the configuration tables behind EFI_ACPI_20_TABLE_GUID and SMBIOS3_TABLE_GUID, which the
 * host provides (QEMU builds the ACPI tables that OVMF installs). Covers the RSDP -> XSDT/RSDT -> FADT walk
 * for the power-off port (kernel/efi/acpi_pm.c, acpi_pm1a_cnt_port_from()) and the conformance verdicts on
 * the RSDP and the SMBIOS 3 entry point (kernel/conform/tables.c).
 *
 * Input: u64 rsdp_pa, u64 smbios3_pa, u8 regions (at most 8), then per region u64 pa, u16 len, len bytes.
 * Physical memory is modelled as those regions, each in a buffer of exactly its length: the walk's reads
 * go through a reader that refuses what no region holds, so a pointer the tables invent is never
 * followed into the host's own memory, and a read past a region is a sanitizer report.
 */
#include "fuzz.h"
#include "conform/conform.h"
#include "efi/acpi_pm.h"

/* How many bytes the model holds from pa on. */
static size_t readable(const struct fz_phys *pm, u64 pa)
{
	for (unsigned i = 0; i < pm->n; i++)
		if (pa >= pm->r[i].pa && pa - pm->r[i].pa < pm->r[i].len)
			return pm->r[i].len - (size_t)(pa - pm->r[i].pa);
	return 0;
}

static u32 le32_at(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* conform_rsdp() reads 36 bytes and then Length bytes (up to 4096): the caller's promise, kept here. */
static void judge_rsdp(const struct fz_phys *pm, u64 pa)
{
	const u8 *p = fz_phys_read((void *)pm, pa, CONFORM_RSDP_V2_SIZE);
	size_t have = readable(pm, pa);

	if (!p || (le32_at(p + 20) <= 4096 && le32_at(p + 20) > have))
		return;
	(void)conform_rsdp_verdict_text(conform_rsdp(p));
}

/* conform_smbios3() reads 24 bytes and then its Length byte's worth. */
static void judge_smbios3(const struct fz_phys *pm, u64 pa)
{
	const u8 *p = fz_phys_read((void *)pm, pa, CONFORM_SMBIOS3_SIZE);

	if (!p || p[6] > readable(pm, pa))
		return;
	(void)conform_smbios3_verdict_text(conform_smbios3(p));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz in = { data, size };
	struct fz_phys pm;
	u64 rsdp_pa = fz_u64(&in), smbios_pa = fz_u64(&in);
	struct acpi_phys phys = { fz_phys_read, &pm };

	fz_phys_load(&in, &pm);
	(void)acpi_pm1a_cnt_port_from(rsdp_pa, &phys);
	judge_rsdp(&pm, rsdp_pa);
	judge_smbios3(&pm, smbios_pa);
	fz_phys_free(&pm);
	return 0;
}
