/* SPDX-License-Identifier: MIT */
/*
 * Target madt: the ACPI MADT the host builds (QEMU), from which the kernel learns which CPUs to start
 * (kernel/efi/acpi_madt.c). Two modes, by the first byte's bit 0:
 *   0: the rest of the input is one MADT, in a buffer of exactly its length, given to madt_parse();
 *   1: u64 rsdp_pa, u8 regions (at most 8), then per region u64 pa, u16 len, len bytes: physical memory as
 *      in fuzz_acpi.c, walked by madt_read() from the RSDP through the XSDT or RSDT.
 * A read past what the model holds is a sanitizer report; the result's invariants (each APIC ID once,
 * at most MADT_MAX_CPUS, every listed CPU usable, an error exactly when none is listed; a Multiprocessor
 * Wakeup mailbox judged usable only when it is the one structure, long enough, nonzero and 4 KiB aligned)
 * abort when broken.
 */
#include "fuzz.h"
#include "efi/acpi_madt.h"

#include "../../kernel/efi/acpi_madt.c"

static void check(const struct madt_info *info)
{
	if (info->count > MADT_MAX_CPUS || info->enabled > info->count || !info->error != !!info->count)
		abort();
	for (u32 i = 0; i < info->count; i++) {
		if (!(info->cpus[i].flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
			abort();
		for (u32 j = 0; j < i; j++)
			if (info->cpus[i].apic_id == info->cpus[j].apic_id)
				abort();
	}
	const struct madt_mp_wakeup *w = &info->wakeup;
	if (w->short_count > w->count || (w->count > w->short_count && w->length < MADT_MP_WAKEUP_SIZE_V0))
		abort();
	if (!madt_wakeup_usable(info, NULL) &&
	    (w->count != 1 || w->short_count || !w->mailbox || w->mailbox % MADT_MP_WAKEUP_MAILBOX_ALIGN))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct madt_info info;
	struct fz in = { data, size };
	u8 mode = fz_u8(&in);

	if (!(mode & 1)) {
		size_t len;
		u8 *madt = fz_dup(&in, in.n, &len);

		madt_parse(madt, (u32)len, &info);
		check(&info);
		free(madt);
		return 0;
	}
	struct fz_phys pm;
	u64 rsdp_pa = fz_u64(&in);
	struct acpi_phys phys = { fz_phys_read, &pm };

	fz_phys_load(&in, &pm);
	madt_read(rsdp_pa, &phys, &info);
	check(&info);
	fz_phys_free(&pm);
	return 0;
}
