/* SPDX-License-Identifier: MIT */
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "conformance/conform_util.h"

const char *conform_skip_reason(void)
{
	return boot_info.args.conformance ? NULL : "conformance checks run with conformance=1 (make conformance)";
}

struct memmap conform_final_map(void)
{
	return memmap_view(&boot_info.memmap);
}

/* Evidence */

static const char *type_name(u32 type)
{
	return type == CONFORM_TYPE_NONE ? "no descriptor" : efi_memory_type_name(type);
}

static void print_item(void *ctx, const struct conform_item *it)
{
	struct conform_evidence *ev = ctx;

	if (ev->finding.count > CONFORM_EVIDENCE_MAX)
		return;
	if (ev->labels)
		ktest_evidence(ev->t, "%s at 0x%llx lies in %s (type %u, attr 0x%llx): %s", ev->labels[it->index],
			       it->addr, type_name(it->type), it->type, it->attribute, it->what);
	else
		ktest_evidence(ev->t, "descriptor %llu: %s %016llx-%016llx (type %u, attr 0x%llx): %s", it->index,
			       type_name(it->type), it->addr, it->addr + it->pages * EFI_PAGE_SIZE, it->type,
			       it->attribute, it->what);
}

void conform_evidence_init(struct conform_evidence *ev, struct ktest *t, const char *const *labels)
{
	ev->t = t;
	ev->labels = labels;
	conform_finding_init(&ev->finding, print_item, ev);
}

void conform_expect_held(struct conform_evidence *ev, const char *rule)
{
	u64 n = ev->finding.count;

	if (!n)
		return;
	if (n > CONFORM_EVIDENCE_MAX)
		ktest_evidence(ev->t, "... and %llu more", n - CONFORM_EVIDENCE_MAX);
	ktest_fail(ev->t, __FILE__, __LINE__, "%llu offender(s): %s", n, rule);
}

void conform_expect_mm(struct ktest *t, bool held, const struct mm_error *e)
{
	if (held)
		return;
	ktest_evidence(t, "%s", e->msg);
	ktest_fail(t, __FILE__, __LINE__, "%s (%s)", e->msg, mm_code_name(e->code));
}

/* The firmware's configuration tables: boot_info copied them before ccktf installed anything. */

u64 conform_table_count(void)
{
	return boot_info.config_table_count;
}

u64 conform_table_addr(u64 i)
{
	return (u64)(uintptr_t)boot_info.config_tables[i].table;
}

static char labels[BOOT_MAX_CONFIG_TABLES][80];
static const char *label_ptrs[BOOT_MAX_CONFIG_TABLES];

const char *conform_table_label(u64 i)
{
	const efi_guid_t *g = &boot_info.config_tables[i].guid;
	const char *name = efi_guid_name(g);
	char guid[40];

	efi_guid_format(g, guid, sizeof(guid));
	snprintf(labels[i], sizeof(labels[i]), "%s %s", name ? name : "unknown GUID", guid);
	return labels[i];
}

const char *const *conform_table_labels(void)
{
	for (u64 i = 0; i < conform_table_count(); i++)
		label_ptrs[i] = conform_table_label(i);
	return label_ptrs;
}

const void *conform_firmware_table(efi_guid_t guid)
{
	for (u64 i = 0; i < conform_table_count(); i++)
		if (efi_guid_equal(&boot_info.config_tables[i].guid, &guid))
			return boot_info.config_tables[i].table;
	return NULL;
}

const char *conform_where(const struct memmap *m, u64 addr, char *buf, size_t size)
{
	struct conform_item it = conform_locate(m, 0, addr);

	if (it.type == CONFORM_TYPE_NONE)
		snprintf(buf, size, "no memory-map descriptor");
	else
		snprintf(buf, size, "%s (type %u)", type_name(it.type), it.type);
	return buf;
}

/* Platform */

bool conform_firmware_is(enum cc_attr guest)
{
	return cc_platform_has(guest) && !cc_platform_has(CC_ATTR_HW_MODEL);
}

bool conform_platform_is_model(void)
{
	return cc_platform_has(CC_ATTR_HW_MODEL);
}

const char *conform_not_firmware_of(enum cc_attr guest, const char *firmware)
{
	static char reason[112];

	if (conform_firmware_is(guest))
		return NULL;
	if (conform_platform_is_model())
		snprintf(reason, sizeof(reason), "platform=%s: a model under ordinary OVMF, not %s firmware",
			 platform_name(), firmware);
	else
		snprintf(reason, sizeof(reason), "platform=%s: not %s firmware", platform_name(), firmware);
	return reason;
}
