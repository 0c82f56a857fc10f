/* SPDX-License-Identifier: MIT */
/*
 * The TDX module model's global metadata, as TDG.SYS.RD shows it to a TD. Pure logic (no TDCALL, no kernel
 * services): tests/host/test_tdx_model_sys.c compiles it into the host tests. The rules, each from the
 * module's source (github.com/intel/tdx-module):
 *
 *  - RDX = all ones: TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT, RDX out the first guest-readable field
 *    (tdg_sys_rd.c, is_null_field_id()).
 *  - Reserved bits, LAST_ELEMENT_IN_FIELD or LAST_FIELD_IN_SEQUENCE set: TDX_METADATA_FIELD_ID_INCORRECT
 *    (metadata_generic.c md_check_as_single_element_id()). Context code, element size, inc size and
 *    write-mask-valid are ignored; the field is looked up by class and field code (md_find_entry_idx()).
 *  - A field the model does not know: TDX_METADATA_FIELD_ID_INCORRECT (md_read_element(), no entry).
 *  - A field whose guest read mask is 0: TDX_METADATA_FIELD_NOT_READABLE (md_sys_read_element()).
 *  - Else SUCCESS, R8 the value masked to the element's size, RDX the next guest-readable field.
 *  - On failure R8 = 0 and RDX = all ones (tdg_sys_rd.c sets them first).
 *
 * Which fields a TD may read: include/auto_gen/global_sys_fields_lookup.c (guest_rd_mask), in its order.
 * The model knows the module-identity fields only (classes 8 and 10); a real module has more
 * guest-readable fields after TDX_FEATURES0 (MIG_ATTRIBUTES, the export/import versions, ...), which the
 * model answers FIELD_ID_INCORRECT and leaves out of the RDX chain: stricter than the module, never more
 * permissive.
 *
 * The module modelled is release 1.5.06, a 1.5 module current TDX hosts run: VENDOR_ID 0x8086 and
 * SYS_ATTRIBUTES 0 (a production module, metadata_sys.c md_sys_get_elements()), NUM_TDX_FEATURES 1,
 * TDX_FEATURES0 0x2E1F0FBF for 1.5.06 (intel/tdx-module-binaries mapping_file.json). The model holds no
 * build number or date: a TD cannot read them (guest read mask 0), so none is invented.
 */
#include <arch/tdx_spec.h>
#include "tdx_model.h"

#define MODEL_MAJOR 1
#define MODEL_MINOR 5
#define MODEL_NUM_TDX_FEATURES 1
#define MODEL_TDX_FEATURES0 0x2E1F0FBFull /* release 1.5.06 */
#define MODEL_SYS_ATTRIBUTES 0		  /* bit 31 (debug module) clear */

static const struct {
	u64 field_id;
	bool guest_readable;
	u64 value;
} fields[] = {
	{ TDX_MD_VENDOR_ID, true, TDX_VENDOR_ID_INTEL },
	{ TDX_MD_BUILD_DATE, false, 0 },
	{ TDX_MD_BUILD_NUM, false, 0 },
	{ TDX_MD_MINOR_VERSION, true, MODEL_MINOR },
	{ TDX_MD_MAJOR_VERSION, true, MODEL_MAJOR },
	{ TDX_MD_UPDATE_VERSION, false, 0 },
	{ TDX_MD_INTERNAL_VERSION, false, 0 },
	{ TDX_MD_SYS_ATTRIBUTES, true, MODEL_SYS_ATTRIBUTES },
	{ TDX_MD_NUM_TDX_FEATURES, true, MODEL_NUM_TDX_FEATURES },
	{ TDX_MD_TDX_FEATURES0, true, MODEL_TDX_FEATURES0 },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static bool same_field(u64 a, u64 b)
{
	return (a & TDX_MD_CLASS_CODE_MASK) == (b & TDX_MD_CLASS_CODE_MASK) &&
	       (a & TDX_MD_FIELD_CODE_MASK) == (b & TDX_MD_FIELD_CODE_MASK);
}

/* The first guest-readable field at index from or after, else all ones. */
static u64 readable_from(unsigned from)
{
	for (unsigned i = from; i < NFIELDS; i++)
		if (fields[i].guest_readable)
			return fields[i].field_id;
	return TDX_MD_FIELD_ID_NA;
}

static u64 element_mask(u64 field_id)
{
	unsigned bytes = tdx_md_element_bytes(field_id);

	return bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

u64 tdx_model_sys_rd(u64 field_id, u64 *value, u64 *next)
{
	*value = 0;
	*next = TDX_MD_FIELD_ID_NA;
	if (field_id == TDX_MD_FIELD_ID_NA) {
		*next = readable_from(0);
		return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	if (field_id & TDX_MD_SINGLE_ELEMENT_MBZ)
		return TDX_METADATA_FIELD_ID_INCORRECT;
	for (unsigned i = 0; i < NFIELDS; i++) {
		if (!same_field(field_id, fields[i].field_id))
			continue;
		if (!fields[i].guest_readable)
			return TDX_METADATA_FIELD_NOT_READABLE;
		*value = fields[i].value & element_mask(fields[i].field_id);
		*next = readable_from(i + 1);
		return TDX_SUCCESS;
	}
	return TDX_METADATA_FIELD_ID_INCORRECT;
}
