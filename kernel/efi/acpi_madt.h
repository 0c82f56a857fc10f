/* SPDX-License-Identifier: MIT */
/*
 * The processors the ACPI MADT lists (ACPI 6.5 section 5.2.12): Processor Local APIC (type 0) and
 * Processor Local x2APIC (type 9) entries, and the local APIC address (the table's field, or a Local APIC
 * Address Override, type 5). Pure: the table is read through a struct acpi_phys reader, so the host tests
 * and the fuzz target (tests/fuzz/fuzz_madt.c) feed it host-made bytes.
 */
#ifndef CCKTF_EFI_ACPI_MADT_H
#define CCKTF_EFI_ACPI_MADT_H

#include <ccktf/types.h>
#include "efi/acpi_pm.h"

#define MADT_MAX_CPUS 64

/* MADT entry flags of both processor entry types (ACPI 6.5 table 5.23). */
#define MADT_CPU_ENABLED (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

enum madt_cpu_kind { MADT_LAPIC = 0, MADT_X2APIC = 9 };

struct madt_cpu {
	u32 apic_id;
	u32 acpi_uid;
	u32 flags;   /* the entry's flags, raw */
	u8 kind;     /* enum madt_cpu_kind: the entry it came from */
};

/*
 * What the walk found. cpus[] holds the usable processors (Enabled, or Online Capable), in table order,
 * each APIC ID once; enabled counts those with the Enabled flag (the ones present at boot: only they are
 * brought up), ignored the entries that are neither (ACPI: "unusable"), invalid the processor entries
 * refused (wrong length, APIC ID 0xff in a type 0 or 0xffffffff in a type 9, a second entry for an APIC
 * ID), over the usable ones beyond MADT_MAX_CPUS. error is NULL, or why no list could be read at all.
 */
struct madt_info {
	const char *error;
	u64 lapic_address; /* the 32-bit field, replaced by a type 5 override when there is one */
	u32 madt_flags;	   /* bit 0: PCAT_COMPAT */
	u32 count, enabled, ignored, invalid, over;
	struct madt_cpu cpus[MADT_MAX_CPUS];
};

/* Parses one MADT (its bytes, len as the reader gave them); fills info, never reads past len. */
void madt_parse(const u8 *madt, u32 len, struct madt_info *info);
/* Finds the MADT ("APIC") from the RSDP at rsdp_pa through phys and parses it. */
void madt_read(u64 rsdp_pa, const struct acpi_phys *phys, struct madt_info *info);
/* The same over the identity map, refusing tables in memory m reports unaccepted (acpi_pm.h). */
struct memmap;
void madt_read_in(const void *rsdp, const struct memmap *m, struct madt_info *info);
/* The entry for apic_id, or NULL. */
const struct madt_cpu *madt_find(const struct madt_info *info, u32 apic_id);

#endif
