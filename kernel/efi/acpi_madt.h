/* SPDX-License-Identifier: MIT */
/*
 * The processors the ACPI MADT lists (ACPI 6.5 section 5.2.12): Processor Local APIC (type 0) and
 * Processor Local x2APIC (type 9) entries, and the local APIC address (the table's field, or a Local APIC
 * Address Override, type 5), and the Multiprocessor Wakeup structure (type 0x10) through which a TD's APs are
 * woken. Pure: the table is read through a struct acpi_phys reader, so the host tests and the fuzz target
 * (tests/fuzz/fuzz_madt.c) feed it host-made bytes.
 */
#ifndef CCKTF_EFI_ACPI_MADT_H
#define CCKTF_EFI_ACPI_MADT_H

#include <ccktf/types.h>
#include "efi/acpi_pm.h"

#define MADT_MAX_CPUS 64

/* MADT entry flags of both processor entry types (ACPI 6.5 table 5.23). */
#define MADT_CPU_ENABLED (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/*
 * The Multiprocessor Wakeup structure (ACPI 6.5 section 5.2.12.19; Linux include/acpi/actbl2.h
 * struct acpi_madt_multiproc_wakeup): u8 Type 0x10, u8 Length, u16 MailBoxVersion at 2, u32 Reserved at 4,
 * u64 MailBoxAddress at 8; version 1 (ACPI 6.6) adds u64 ResetVector at 16. Length 16 (version 0) or 24
 * (version 1), as Linux's ACPI_MADT_MP_WAKEUP_SIZE_V0/_V1.
 */
#define MADT_TYPE_MP_WAKEUP 0x10
#define MADT_MP_WAKEUP_SIZE_V0 16
#define MADT_MP_WAKEUP_SIZE_V1 24
#define MADT_MP_WAKEUP_MAILBOX_ALIGN 4096u /* "must be 4K bytes aligned" (ACPI 6.5 section 5.2.12.19) */

struct madt_mp_wakeup {
	u32 count;	   /* Multiprocessor Wakeup structures in the table (one is usable, two are ambiguous) */
	u32 short_count;   /* of them, shorter than version 0's 16 bytes: not read */
	u8 length;	   /* of the one read (the first long enough) */
	u16 version;	   /* MailBoxVersion */
	u64 mailbox;	   /* MailBoxAddress, raw */
	u64 reset_vector;  /* ResetVector: version >= 1 and length >= 24, else 0 */
};

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
	struct madt_mp_wakeup wakeup;
};

/* Parses one MADT (its bytes, len as the reader gave them); fills info, never reads past len. */
void madt_parse(const u8 *madt, u32 len, struct madt_info *info);
/* Finds the MADT ("APIC") from the RSDP at rsdp_pa through phys and parses it. */
void madt_read(u64 rsdp_pa, const struct acpi_phys *phys, struct madt_info *info);
/* The same over the identity map, refusing tables in memory m reports unaccepted (acpi_pm.h). */
struct memmap;
void madt_read_in(const void *rsdp, const struct memmap *m, struct madt_info *info);
/*
 * NULL when the MADT carries exactly one Multiprocessor Wakeup structure whose mailbox can be used: long
 * enough, MailBoxAddress nonzero (Linux writes 0 there to hide a used mailbox from a kexec'd kernel,
 * madt_wakeup.c acpi_mp_disable_offlining()) and 4 KiB aligned, and, when m is not NULL, the whole 4 KiB
 * mailbox in firmware memory the OS never reuses: ACPI NVS, as ACPI requires ("It must be in ACPINvs"), or
 * reserved. Else why not; two structures are refused (which mailbox the firmware polls is ambiguous; Linux
 * takes the first, acpi_table_parse_madt(..., 1)).
 */
struct memmap;
const char *madt_wakeup_usable(const struct madt_info *info, const struct memmap *m);
/* The entry for apic_id, or NULL. */
const struct madt_cpu *madt_find(const struct madt_info *info, u32 apic_id);

#endif
