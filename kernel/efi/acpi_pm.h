/* SPDX-License-Identifier: MIT */
#ifndef CCKTF_EFI_ACPI_PM_H
#define CCKTF_EFI_ACPI_PM_H

#include <ccktf/types.h>

/* ACPI 6.5 section 4.8.3.2.1, PM1 control: SLP_TYP bits 12:10, SLP_EN bit 13. */
#define ACPI_PM1_SLP_TYP_MASK (7u << 10)
#define ACPI_PM1_SLP_EN (1u << 13)

/* The PM1a_CNT I/O port from the FADT reached through this RSDP; 0 when anything is missing or bad. */
u16 acpi_pm1a_cnt_port(const void *rsdp);

/* How the walk reads physical memory: len bytes at pa, or NULL when they cannot be read. */
struct acpi_phys {
	const void *(*read)(void *ctx, u64 pa, u64 len);
	void *ctx;
};
/* ACPI 6.5 section 5.2.5.3 (RSDP) and 5.2.6 (the system description table header). */
#define ACPI_RSDP_REVISION_OFFSET 15
#define ACPI_RSDP_RSDT_OFFSET 16
#define ACPI_RSDP_XSDT_OFFSET 24
#define ACPI_RSDP_V1_SIZE 20
#define ACPI_SDT_HEADER_SIZE 36

/* kernel/efi/acpi_tables.c: the table with this signature reached from the RSDP at rsdp_pa through phys,
 * checked (signature, length, checksum), with its length in *len; NULL when missing or bad. */
const u8 *acpi_find_table(const struct acpi_phys *phys, u64 rsdp_pa, const char *sig, u32 *len);
u32 acpi_le32(const u8 *p);
u64 acpi_le64(const u8 *p);
bool acpi_sum_zero(const u8 *p, u32 len);

/* The same walk from the RSDP at rsdp_pa, reading every table through phys. */
u16 acpi_pm1a_cnt_port_from(u64 rsdp_pa, const struct acpi_phys *phys);

struct memmap;
/* The walk over the identity map, refusing any table that touches memory m reports unaccepted. */
u16 acpi_pm1a_cnt_port_in(const void *rsdp, const struct memmap *m);
bool acpi_range_unaccepted(const struct memmap *m, u64 pa, u64 len);

#endif
