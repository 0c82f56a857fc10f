/* SPDX-License-Identifier: MIT */
/*
 * The ACPI MADT's processors (ACPI 6.5 section 5.2.12, "Multiple APIC Description Table"), for bringing up
 * the application processors (arch/x86/cpu/smp.c). The table is the host's (QEMU builds it; OVMF installs
 * it), so nothing in it is trusted: every entry is bounded by the table's length, an entry length below 2
 * ends the walk (it could never advance), and an APIC ID is taken once.
 *
 * Layout (ACPI 6.5 section 5.2.12, tables 5.19-5.25): the 36-byte header, u32 Local Interrupt Controller
 * Address at 36, u32 Flags at 40, entries from 44, each u8 Type, u8 Length. Type 0 (Processor Local APIC,
 * 8 bytes): UID at 2, APIC ID at 3, u32 flags at 4. Type 9 (Processor Local x2APIC, 16 bytes): u32 x2APIC
 * ID at 4, u32 flags at 8, u32 UID at 12. Type 5 (Local APIC Address Override, 12 bytes): u64 address at
 * 4. Flags: bit 0 Enabled, bit 1 Online Capable (a disabled processor that may be brought online later);
 * neither: unusable. As Linux's acpi_parse_lapic()/acpi_parse_x2apic() (arch/x86/kernel/acpi/boot.c), a
 * longer entry is taken (a later revision may extend it) and an APIC ID of all ones is refused.
 *
 * Type 0x10 (Multiprocessor Wakeup, acpi_madt.h): as Linux's acpi_parse_mp_wake(), an entry shorter than 16
 * bytes is not read and the ResetVector only from a version 1 entry at least 24 bytes long; unlike Linux,
 * a second structure makes the mailbox unusable (madt_wakeup_usable()).
 *
 * The RSDP -> XSDT/RSDT walk is acpi_tables.c's, shared with the power-off port (acpi_pm.c).
 */
#include <ccktf/string.h>
#include "efi/acpi_madt.h"
#include "efi/efi_spec.h"
#include "mm/memmap.h"

#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_ENTRIES 44
#define MADT_TYPE_LAPIC 0
#define MADT_TYPE_LAPIC_OVERRIDE 5
#define MADT_TYPE_X2APIC 9

const struct madt_cpu *madt_find(const struct madt_info *info, u32 apic_id)
{
	for (u32 i = 0; i < info->count; i++)
		if (info->cpus[i].apic_id == apic_id)
			return &info->cpus[i];
	return NULL;
}

static void add_cpu(struct madt_info *info, u8 kind, u32 apic_id, u32 uid, u32 flags)
{
	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE))) {
		info->ignored++;
		return;
	}
	if (madt_find(info, apic_id)) {
		info->invalid++;
		return;
	}
	if (info->count == MADT_MAX_CPUS) {
		info->over++;
		return;
	}
	info->cpus[info->count++] = (struct madt_cpu){ .apic_id = apic_id, .acpi_uid = uid, .flags = flags,
						       .kind = kind };
	if (flags & MADT_CPU_ENABLED)
		info->enabled++;
}

static void add_mp_wakeup(struct madt_mp_wakeup *w, const u8 *e, u8 elen)
{
	w->count++;
	if (elen < MADT_MP_WAKEUP_SIZE_V0) {
		w->short_count++;
		return;
	}
	if (w->count - w->short_count > 1)
		return; /* the first one read stays; madt_wakeup_usable() refuses two */
	w->length = elen;
	w->version = (u16)(e[2] | e[3] << 8);
	w->mailbox = acpi_le64(e + 8);
	if (w->version >= 1 && elen >= MADT_MP_WAKEUP_SIZE_V1)
		w->reset_vector = acpi_le64(e + 16);
}

static bool firmware_owned(u32 type)
{
	return type == EFI_ACPI_MEMORY_NVS || type == EFI_RESERVED_MEMORY;
}

const char *madt_wakeup_usable(const struct madt_info *info, const struct memmap *m)
{
	const struct madt_mp_wakeup *w = &info->wakeup;
	u64 gap;

	if (!w->count)
		return "the MADT has no Multiprocessor Wakeup structure (type 0x10)";
	if (w->count > 1)
		return "the MADT has more than one Multiprocessor Wakeup structure: which mailbox is meant is ambiguous";
	if (w->short_count)
		return "the MADT's Multiprocessor Wakeup structure is shorter than 16 bytes";
	if (!w->mailbox)
		return "the Multiprocessor Wakeup structure's mailbox address is 0 (invalidated)";
	if (w->mailbox % MADT_MP_WAKEUP_MAILBOX_ALIGN)
		return "the Multiprocessor Wakeup mailbox is not 4 KiB aligned (ACPI 6.5 section 5.2.12.19)";
	if (m && !memmap_range_is(m, (struct range){ w->mailbox, w->mailbox + MADT_MP_WAKEUP_MAILBOX_ALIGN },
				  firmware_owned, &gap))
		return "the Multiprocessor Wakeup mailbox is not in ACPI NVS or reserved memory (the OS could reuse "
		       "it)";
	return NULL;
}

void madt_parse(const u8 *madt, u32 len, struct madt_info *info)
{
	u32 off;

	memset(info, 0, sizeof(*info));
	if (len < MADT_ENTRIES || memcmp(madt, "APIC", 4)) {
		info->error = "MADT shorter than its fixed fields";
		return;
	}
	info->lapic_address = acpi_le32(madt + MADT_LAPIC_ADDR);
	info->madt_flags = acpi_le32(madt + MADT_FLAGS);
	for (off = MADT_ENTRIES; off + 2 <= len;) {
		const u8 *e = madt + off;
		u8 type = e[0], elen = e[1];

		if (elen < 2 || elen > len - off) { /* could never advance, or runs past the table */
			info->invalid++;
			break;
		}
		if (type == MADT_TYPE_LAPIC) {
			if (elen < 8 || e[3] == 0xff)
				info->invalid++;
			else
				add_cpu(info, MADT_LAPIC, e[3], e[2], acpi_le32(e + 4));
		} else if (type == MADT_TYPE_X2APIC) {
			if (elen < 16 || acpi_le32(e + 4) == 0xffffffffu)
				info->invalid++;
			else
				add_cpu(info, MADT_X2APIC, acpi_le32(e + 4), acpi_le32(e + 12), acpi_le32(e + 8));
		} else if (type == MADT_TYPE_LAPIC_OVERRIDE && elen >= 12) {
			info->lapic_address = acpi_le64(e + 4);
		} else if (type == MADT_TYPE_MP_WAKEUP) {
			add_mp_wakeup(&info->wakeup, e, elen);
		}
		off += elen;
	}
	if (!info->count)
		info->error = "the MADT lists no usable processor";
}

void madt_read(u64 rsdp_pa, const struct acpi_phys *phys, struct madt_info *info)
{
	u32 len = 0;
	const u8 *madt = acpi_find_table(phys, rsdp_pa, "APIC", &len);

	if (!madt) {
		memset(info, 0, sizeof(*info));
		info->error = "no MADT (APIC) table with a good checksum through the RSDP";
		return;
	}
	madt_parse(madt, len, info);
}

static const void *accepted_identity(void *ctx, u64 pa, u64 len)
{
	return acpi_range_unaccepted(ctx, pa, len) ? NULL : (const void *)(uintptr_t)pa;
}

void madt_read_in(const void *rsdp, const struct memmap *m, struct madt_info *info)
{
	const struct acpi_phys phys = { accepted_identity, (void *)m };

	madt_read((u64)(uintptr_t)rsdp, &phys, info);
}
