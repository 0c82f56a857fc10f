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

/* A Multiprocessor Wakeup structure of len bytes (ACPI 6.5 section 5.2.12.19); the fields that fit are written. */
static void mp_wakeup(struct madt_builder *b, u8 len, u16 version, u64 mailbox, u64 reset_vector)
{
	u8 *e = b->buf + b->len;

	memset(e, 0, len);
	e[0] = MADT_TYPE_MP_WAKEUP, e[1] = len;
	memcpy(e + 2, &version, 2);
	if (len >= 16)
		memcpy(e + 8, &mailbox, 8);
	if (len >= 24)
		memcpy(e + 16, &reset_vector, 8);
	b->len += len;
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

/* The Multiprocessor Wakeup structure (type 0x10): version 1 with its ResetVector, version 0 without. */
KTEST(host_acpi_madt, mp_wakeup_version_1_and_0)
{
	struct madt_builder b;

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 24, 1, 0x7f6e3000, 0x7f6e4010);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.count, 1);
	KEXPECT_EQ(t, info.wakeup.count, 1);
	KEXPECT_EQ(t, info.wakeup.version, 1);
	KEXPECT_EQ(t, info.wakeup.length, 24);
	KEXPECT_EQ(t, info.wakeup.mailbox, 0x7f6e3000);
	KEXPECT_EQ(t, info.wakeup.reset_vector, 0x7f6e4010);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, NULL) == NULL);

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 16, 0, 0x7f6e3000, 0);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.wakeup.version, 0);
	KEXPECT_EQ(t, info.wakeup.reset_vector, 0);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, NULL) == NULL);

	begin(&b); /* version 1 claimed but only version 0's length: no ResetVector read past it */
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 16, 1, 0x7f6e3000, 0);
	lapic(&b, 1, 1, MADT_CPU_ENABLED);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.wakeup.reset_vector, 0);
	KEXPECT_EQ(t, info.count, 2);
}

KTEST(host_acpi_madt, mp_wakeup_absent_or_too_short_is_unusable)
{
	struct madt_builder b;

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.wakeup.count, 0);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, NULL) != NULL);

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 12, 0, 0, 0); /* a bad length: the mailbox field is not there */
	lapic(&b, 1, 1, MADT_CPU_ENABLED);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.wakeup.count, 1);
	KEXPECT_EQ(t, info.wakeup.short_count, 1);
	KEXPECT_EQ(t, info.wakeup.mailbox, 0);
	KEXPECT_EQ(t, info.count, 2); /* the walk goes on past it */
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, NULL) != NULL);
}

KTEST(host_acpi_madt, mp_wakeup_unaligned_or_zero_mailbox_is_unusable)
{
	struct madt_builder b;

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 24, 1, 0x7f6e3800, 0);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.wakeup.mailbox, 0x7f6e3800);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, NULL) != NULL);

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 24, 1, 0, 0);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, NULL) != NULL);
}

KTEST(host_acpi_madt, two_mp_wakeup_structures_are_ambiguous)
{
	struct madt_builder b;

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 24, 1, 0x7f6e3000, 0);
	mp_wakeup(&b, 24, 1, 0x7f6e5000, 0);
	madt_parse(b.buf, b.len, &info);
	KEXPECT_EQ(t, info.wakeup.count, 2);
	KEXPECT_EQ(t, info.wakeup.mailbox, 0x7f6e3000); /* the first is kept, for the report */
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, NULL) != NULL);
}

/* The mailbox must lie in memory the OS never reuses: ACPI NVS (ACPI 6.5 section 5.2.12.19) or reserved. */
static struct efi_memory_descriptor wake_map[3];

static struct memmap wake_memmap(u32 type_of_mailbox_page)
{
	wake_map[0] = (struct efi_memory_descriptor){ .type = EFI_CONVENTIONAL_MEMORY, .phys_start = 0,
						      .num_pages = 0x7f6e3 };
	wake_map[1] = (struct efi_memory_descriptor){ .type = type_of_mailbox_page, .phys_start = 0x7f6e3000,
						      .num_pages = 2 };
	wake_map[2] = (struct efi_memory_descriptor){ .type = EFI_CONVENTIONAL_MEMORY,
						      .phys_start = 0x7f6e5000, .num_pages = 16 };
	return (struct memmap){ .buf = wake_map, .map_size = sizeof(wake_map), .desc_size = sizeof(wake_map[0]),
				.desc_version = 1 };
}

KTEST(host_acpi_madt, mp_wakeup_mailbox_must_be_acpi_nvs_or_reserved)
{
	struct madt_builder b;
	struct memmap m;

	begin(&b);
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 24, 1, 0x7f6e3000, 0);
	madt_parse(b.buf, b.len, &info);
	m = wake_memmap(EFI_ACPI_MEMORY_NVS);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, &m) == NULL);
	m = wake_memmap(EFI_RESERVED_MEMORY);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, &m) == NULL);
	m = wake_memmap(EFI_BOOT_SERVICES_DATA);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, &m) != NULL);
	m = wake_memmap(EFI_CONVENTIONAL_MEMORY);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, &m) != NULL);

	begin(&b); /* the mailbox's page runs past the NVS range into conventional memory */
	lapic(&b, 0, 0, MADT_CPU_ENABLED);
	mp_wakeup(&b, 24, 1, 0x7f6e4000, 0);
	madt_parse(b.buf, b.len, &info);
	m = wake_memmap(EFI_ACPI_MEMORY_NVS);
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, &m) == NULL);
	wake_map[1].num_pages = 1;
	KEXPECT_TRUE(t, madt_wakeup_usable(&info, &m) != NULL);
}
