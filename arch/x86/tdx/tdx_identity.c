/* SPDX-License-Identifier: MIT */
/*
 * What identifies the TDX module, as a TD can read it, turned into the key=value words of the
 * "# platform-identity:" line (docs/protocol.md). Pure: no TDCALL here (tdx.c reads, the host tests
 * format), so that a status is printed exactly as the module returned it.
 *
 * The fields and which of them a TD may read: arch/x86/include/arch/tdx_spec.h (TDX_MD_*), from the module's
 * own lookup table (intel/tdx-module include/auto_gen/global_sys_fields_lookup.c). A field that could not
 * be read is printed as err:STATUS, never as a value; "module=" names only what was read.
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
#include <ccktf/format.h>

const struct tdx_id_field_desc tdx_id_fields[TDX_ID_FIELDS] = {
	[TDX_ID_MAJOR] = { TDX_MD_MAJOR_VERSION, "tdx_major", false },
	[TDX_ID_MINOR] = { TDX_MD_MINOR_VERSION, "tdx_minor", false },
	[TDX_ID_UPDATE] = { TDX_MD_UPDATE_VERSION, "tdx_update", false },
	[TDX_ID_INTERNAL] = { TDX_MD_INTERNAL_VERSION, "tdx_internal", false },
	[TDX_ID_BUILD_NUM] = { TDX_MD_BUILD_NUM, "tdx_build_num", false },
	[TDX_ID_BUILD_DATE] = { TDX_MD_BUILD_DATE, "tdx_build_date", false },
	[TDX_ID_VENDOR_ID] = { TDX_MD_VENDOR_ID, "tdx_vendor_id", true },
	[TDX_ID_SYS_ATTRIBUTES] = { TDX_MD_SYS_ATTRIBUTES, "tdx_sys_attributes", true },
	[TDX_ID_FEATURES0] = { TDX_MD_TDX_FEATURES0, "tdx_features0", true },
};

struct out {
	char *buf;
	size_t size, used;
};

static void put(struct out *o, const char *fmt, unsigned long long v)
{
	int n;

	if (o->used >= o->size)
		return;
	n = snprintf(o->buf + o->used, o->size - o->used, fmt, v);
	o->used += n > 0 ? (size_t)n : 0;
}

static void put_str(struct out *o, const char *s)
{
	int n;

	if (o->used >= o->size)
		return;
	n = snprintf(o->buf + o->used, o->size - o->used, "%s", s);
	o->used += n > 0 ? (size_t)n : 0;
}

static bool have(const struct tdx_module_identity *id, enum tdx_id_field f)
{
	return id->status[f] == TDX_SUCCESS;
}

/* Intel names releases MAJOR.MINOR.UPDATE(.INTERNAL), two digits from the third on (1.5.06). */
static void module_word(struct out *o, const struct tdx_module_identity *id)
{
	if (!have(id, TDX_ID_MAJOR) || !have(id, TDX_ID_MINOR)) {
		put_str(o, "module=unknown");
		return;
	}
	put(o, "module=%llu", id->value[TDX_ID_MAJOR]);
	put(o, ".%llu", id->value[TDX_ID_MINOR]);
	if (!have(id, TDX_ID_UPDATE))
		return;
	put(o, ".%02llu", id->value[TDX_ID_UPDATE]);
	if (have(id, TDX_ID_INTERNAL))
		put(o, ".%02llu", id->value[TDX_ID_INTERNAL]);
}

void tdx_identity_format(const struct tdx_module_identity *id, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (!size)
		return;
	buf[0] = '\0';
	module_word(&o, id);
	if (id->vp_info_status != TDX_SUCCESS)
		put(&o, " tdx_sys_rd=err:0x%llx", id->vp_info_status);
	else
		put(&o, " tdx_sys_rd=%llu", id->sys_rd_available);
	for (unsigned f = 0; f < TDX_ID_FIELDS; f++) {
		put_str(&o, " ");
		put_str(&o, tdx_id_fields[f].key);
		if (!have(id, f))
			put(&o, "=err:0x%llx", id->status[f]);
		else
			put(&o, tdx_id_fields[f].hex ? "=0x%llx" : "=%llu", id->value[f]);
	}
}
