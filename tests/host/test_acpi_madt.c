/* SPDX-License-Identifier: MIT */
/* The MADT walk (kernel/efi/acpi_madt.c) on tables built here: the processors it takes and those it refuses. */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../kernel/efi/acpi_madt.c"

KTEST_SUITE(host_acpi_madt, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

struct madt_builder {
	u8 buf[1024];
	u32 len;
};

static void begin(struct madt_builder *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->buf, "APIC", 4);
	b->len = MADT_ENTRIES;
	memcpy(b->buf + MADT_LAPIC_ADDR, &(u32){ 0xfee00000u }, 4);
	memcpy(b->buf + MADT_FLAGS, &(u32){ 1 }, 4);
}

static void lapic(struct madt_builder *b, u8 uid, u8 id, u32 flags)
{
	u8 *e = b->buf + b->len;

	e[0] = MADT_TYPE_LAPIC, e[1] = 8, e[2] = uid, e[3] = id;
	memcpy(e + 4, &flags, 4);
	b->len += 8;
}

static void x2apic(struct madt_builder *b, u32 id, u32 flags, u32 uid)
{
	u8 *e = b->buf + b->len;

	e[0] = MADT_TYPE_X2APIC, e[1] = 16;
	memcpy(e + 4, &id, 4);
	memcpy(e + 8, &flags, 4);
	memcpy(e + 12, &uid, 4);
	b->len += 16;
}

static void raw(struct madt_builder *b, const u8 *bytes, u32 n)
{
	memcpy(b->buf + b->len, bytes, n);
	b->len += n;
}

static struct madt_info info;

KTEST(host_acpi_madt, four_enabled_local_apics)
{
	struct madt_builder b;

	begin(&b);
	for (u8 i = 0; i < 4; i++)
		lapic(&b, i, i, MADT_CPU_ENABLED);
	madt_parse(b.buf, b.len, &info);
	KASSERT_TRUE(t, info.error == NULL);
	KEXPECT_EQ(t, info.count, 4);
	KEXPECT_EQ(t, info.enabled, 4);
	KEXPECT_EQ(t, info.lapic_address, 0xfee00000u);
	KEXPECT_EQ(t, info.madt_flags, 1);
	KEXPECT_EQ(t, info.cpus[3].apic_id, 3);
	KEXPECT_EQ(t, info.cpus[3].kind, MADT_LAPIC);
	KEXPECT_TRUE(t, madt_find(&info, 2) == &info.cpus[2]);
	KEXPECT_TRUE(t, madt_find(&info, 4) == NULL);
}

KTEST(host_acpi_madt, x2apic_entries_and_an_address_override)
{
	struct madt_builder b;
	const u8 override[12] = { MADT_TYPE_LAPIC_OVERRIDE, 12, 0, 0, 0x00, 0x10, 0xe0, 0xfe, 1, 0, 0, 0 };

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	x2apic(&b, 300, MADT_CPU_ENABLED, 7);
	raw(&b, override, sizeof(override));
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.count, 2);
	KEXPECT_EQ(t, info.cpus[1].apic_id, 300);
	KEXPECT_EQ(t, info.cpus[1].acpi_uid, 7);
	KEXPECT_EQ(t, info.cpus[1].kind, MADT_X2APIC);
	KEXPECT_EQ(t, info.lapic_address, 0x1fee01000ull);
}

/* Online Capable without Enabled: listed (it may come online later), not counted as present; neither flag:
 * unusable (ACPI 6.5 table 5.23). */
KTEST(host_acpi_madt, online_capable_is_listed_not_enabled_and_unusable_is_ignored)
{
	struct madt_builder b;

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	lapic(&b, 1, 1, MADT_CPU_ONLINE_CAPABLE);
	lapic(&b, 2, 2, 0);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.count, 2);
	KEXPECT_EQ(t, info.enabled, 1);
	KEXPECT_EQ(t, info.ignored, 1);
	KEXPECT_EQ(t, info.cpus[1].flags, MADT_CPU_ONLINE_CAPABLE);
}

KTEST(host_acpi_madt, invalid_and_duplicate_ids_are_refused)
{
	struct madt_builder b;
	const u8 short_lapic[6] = { MADT_TYPE_LAPIC, 6, 5, 5, 1, 0 };

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	lapic(&b, 1, 0xff, MADT_CPU_ENABLED);	    /* the broadcast ID */
	x2apic(&b, 0xffffffffu, MADT_CPU_ENABLED, 2); /* likewise */
	lapic(&b, 3, 0, MADT_CPU_ENABLED);	    /* APIC ID 0 again */
	x2apic(&b, 0, MADT_CPU_ENABLED, 4);	    /* and once more as an x2APIC entry */
	raw(&b, short_lapic, sizeof(short_lapic));
	lapic(&b, 6, 6, MADT_CPU_ENABLED);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.count, 2);
	KEXPECT_EQ(t, info.invalid, 5);
	KEXPECT_EQ(t, info.cpus[1].apic_id, 6);
}

KTEST(host_acpi_madt, a_bad_entry_length_ends_the_walk)
{
	struct madt_builder b;
	const u8 zero_length[2] = { 0x7f, 0 };

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	raw(&b, zero_length, sizeof(zero_length));
	lapic(&b, 1, 1, MADT_CPU_ENABLED); /* never reached: the walk could not advance */
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.count, 1);
	KEXPECT_EQ(t, info.invalid, 1);

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	lapic(&b, 1, 1, MADT_CPU_ENABLED);
	madt_parse(b.buf, b.len - 1, &info); /* the last entry runs past the table */
	KEXPECT_EQ(t, info.count, 1);
	KEXPECT_EQ(t, info.invalid, 1);
}

KTEST(host_acpi_madt, more_cpus_than_slots_are_counted_over)
{
	static u8 big[MADT_ENTRIES + 8 * (MADT_MAX_CPUS + 3)];
	u32 len = MADT_ENTRIES;

	memcpy(big, "APIC", 4);
	for (u32 i = 0; i < MADT_MAX_CPUS + 3; i++, len += 8) {
		big[len] = MADT_TYPE_LAPIC, big[len + 1] = 8, big[len + 3] = (u8)i;
		big[len + 4] = MADT_CPU_ENABLED;
	}
	madt_parse(big, len, &info);
	KEXPECT_EQ(t, info.count, MADT_MAX_CPUS);
	KEXPECT_EQ(t, info.over, 3);
}

KTEST(host_acpi_madt, no_processor_or_a_short_table_is_an_error)
{
	struct madt_builder b;

	begin(&b);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_TRUE(t, info.error != NULL);
	madt_parse(b.buf, MADT_ENTRIES - 1, &info);
	KEXPECT_TRUE(t, info.error != NULL);
	KEXPECT_EQ(t, info.count, 0);
}

/* The walk from the RSDP: through the XSDT (revision 2) to the MADT, with checksums; a bad one is not read. */
static struct {
	u8 rsdp[36];
	u8 xsdt[52];
	u8 madt[MADT_ENTRIES + 16];
} tables;

static void fix_checksum(u8 *p, u32 len, u32 at)
{
	u8 sum = 0;

	p[at] = 0;
	for (u32 i = 0; i < len; i++)
		sum = (u8)(sum + p[i]);
	p[at] = (u8)-sum;
}

static void build_tables(void)
{
	u64 madt = (u64)(uintptr_t)tables.madt, xsdt = (u64)(uintptr_t)tables.xsdt, nothing = 0;
	u32 madt_len = sizeof(tables.madt), xsdt_len = sizeof(tables.xsdt);

	memset(&tables, 0, sizeof(tables));
	memcpy(tables.madt, "APIC", 4);
	memcpy(tables.madt + 4, &madt_len, 4);
	for (u8 i = 0; i < 2; i++) {
		u8 *e = tables.madt + MADT_ENTRIES + 8 * i;
		e[0] = MADT_TYPE_LAPIC, e[1] = 8, e[2] = i, e[3] = (u8)(i * 2), e[4] = MADT_CPU_ENABLED;
	}
	fix_checksum(tables.madt, madt_len, 9);
	memcpy(tables.xsdt, "XSDT", 4);
	memcpy(tables.xsdt + 4, &xsdt_len, 4);
	memcpy(tables.xsdt + ACPI_SDT_HEADER_SIZE, &nothing, 8); /* an empty slot first */
	memcpy(tables.xsdt + ACPI_SDT_HEADER_SIZE + 8, &madt, 8);
	fix_checksum(tables.xsdt, xsdt_len, 9);
	memcpy(tables.rsdp, "RSD PTR ", 8);
	tables.rsdp[ACPI_RSDP_REVISION_OFFSET] = 2;
	memcpy(tables.rsdp + ACPI_RSDP_XSDT_OFFSET, &xsdt, 8);
	fix_checksum(tables.rsdp, ACPI_RSDP_V1_SIZE, 8);
}

static const void *host_identity(void *ctx, u64 pa, u64 len)
{
	(void)ctx, (void)len;
	return (const void *)(uintptr_t)pa;
}

KTEST(host_acpi_madt, found_through_the_rsdp_and_xsdt)
{
	const struct acpi_phys phys = { host_identity, NULL };

	build_tables();
	madt_read((u64)(uintptr_t)tables.rsdp, &phys, &info);
	KASSERT_TRUE(t, info.error == NULL);
	KEXPECT_EQ(t, info.count, 2);
	KEXPECT_EQ(t, info.cpus[1].apic_id, 2);

	tables.madt[MADT_ENTRIES + 3] = 9; /* the checksum no longer holds: the table is not believed */
	madt_read((u64)(uintptr_t)tables.rsdp, &phys, &info);
	KEXPECT_TRUE(t, info.error != NULL);
	KEXPECT_EQ(t, info.count, 0);
}
