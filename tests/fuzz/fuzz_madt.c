/* SPDX-License-Identifier: MIT */
/*
 * Target madt: the ACPI MADT the host builds (QEMU), from which the kernel learns which CPUs to start
 * (kernel/efi/acpi_madt.c). Two modes, by the first byte's bit 0:
 *   0: the rest of the input is one MADT, in a buffer of exactly its length, given to madt_parse();
 *   1: u64 rsdp_pa, u8 regions (at most 8), then per region u64 pa, u16 len, len bytes: physical memory as
 *      in fuzz_acpi.c, walked by madt_read() from the RSDP through the XSDT or RSDT.
 * A read past what the model holds is a sanitizer report; the result's invariants (each APIC ID once,
 * at most MADT_MAX_CPUS, every listed CPU usable, an error exactly when none is listed) abort when broken.
 */
#include "fuzz.h"
#include "efi/acpi_madt.h"

#include "../../kernel/efi/acpi_madt.c"

#define MAX_REGIONS 8

struct region {
	u64 pa;
	size_t len;
	u8 *data;
};

struct phys_model {
	struct region r[MAX_REGIONS];
	unsigned n;
};

static const void *model_read(void *ctx, u64 pa, u64 len)
{
	const struct phys_model *pm = ctx;

	for (unsigned i = 0; i < pm->n; i++) {
		const struct region *r = &pm->r[i];
		if (pa >= r->pa && pa - r->pa <= r->len && len <= r->len - (pa - r->pa))
			return r->data + (pa - r->pa);
	}
	return NULL;
}

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
	struct phys_model pm = { .n = 0 };
	u64 rsdp_pa = fz_u64(&in);
	unsigned regions = fz_u8(&in) % (MAX_REGIONS + 1);
	struct acpi_phys phys = { model_read, &pm };

	for (; pm.n < regions; pm.n++) {
		struct region *r = &pm.r[pm.n];
		r->pa = fz_u64(&in);
		r->data = fz_dup(&in, fz_u16(&in), &r->len);
	}
	madt_read(rsdp_pa, &phys, &info);
	check(&info);
	for (unsigned i = 0; i < pm.n; i++)
		free(pm.r[i].data);
	return 0;
}
