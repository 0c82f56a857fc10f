/* SPDX-License-Identifier: MIT */
/* The Secure Boot variables' rules (SB-*): see conform/secure_boot.h for the spec sections. */
#include "conform/secure_boot.h"
#include "efi/efi_spec.h"

static const char *const names[SB_VAR_COUNT] = { "SecureBoot", "SetupMode", "AuditMode", "DeployedMode" };
static const char *const keys[SB_VAR_COUNT] = { "secure_boot", "setup_mode", "audit_mode", "deployed_mode" };

const char *sb_var_name(enum sb_var_id id)
{
	return (unsigned)id < SB_VAR_COUNT ? names[id] : "?";
}

void sb_var_name_ucs2(enum sb_var_id id, u16 out[SB_NAME_MAX])
{
	const char *ascii = sb_var_name(id);
	size_t i;

	for (i = 0; ascii[i] && i + 1 < SB_NAME_MAX; i++)
		out[i] = (u16)ascii[i];
	out[i] = 0;
}

const char *sb_var_key(enum sb_var_id id)
{
	return (unsigned)id < SB_VAR_COUNT ? keys[id] : "?";
}

const char *sb_mode_name(enum sb_mode mode)
{
	switch (mode) {
	case SB_MODE_SETUP:
		return "setup";
	case SB_MODE_USER:
		return "user";
	case SB_MODE_AUDIT:
		return "audit";
	case SB_MODE_DEPLOYED:
		return "deployed";
	default:
		return "unknown";
	}
}

bool sb_var_present(const struct sb_var *v)
{
	return v->status == EFI_SUCCESS;
}

int sb_var_bool(const struct sb_var *v)
{
	if (!sb_var_present(v) || v->size != SB_VAR_SIZE || v->data[0] > 1)
		return -1;
	return v->data[0];
}

static bool offend(struct conform_finding *f, u64 index, const struct sb_var *v, const char *what)
{
	struct conform_item item = { .index = index,
				     .addr = v ? v->size : 0,
				     .attribute = v ? v->attributes : 0,
				     .type = v ? v->data[0] : CONFORM_TYPE_NONE,
				     .what = what };
	return conform_offend(f, &item);
}

bool sb_rule_size_value(const struct sb_state *s, struct conform_finding *f)
{
	bool held = true;

	for (unsigned i = 0; i < SB_VAR_COUNT; i++) {
		const struct sb_var *v = &s->var[i];

		if (v->status == EFI_NOT_FOUND)
			continue;
		if (v->status == EFI_BUFFER_TOO_SMALL)
			held = offend(f, i, v, "larger than 8 bytes (EFI_BUFFER_TOO_SMALL)");
		else if (!sb_var_present(v))
			held = offend(f, i, v, "GetVariable() failed");
		else if (v->size != SB_VAR_SIZE)
			held = offend(f, i, v, "not 1 byte");
		else if (v->data[0] > 1)
			held = offend(f, i, v, "a reserved value (neither 0 nor 1)");
	}
	return held;
}

bool sb_rule_attributes(const struct sb_state *s, struct conform_finding *f)
{
	bool held = true;

	for (unsigned i = 0; i < SB_VAR_COUNT; i++) {
		const struct sb_var *v = &s->var[i];

		if (sb_var_present(v) && v->attributes != SB_VAR_ATTRIBUTES)
			held = offend(f, i, v, v->attributes & EFI_VARIABLE_NON_VOLATILE ?
						       "non-volatile (attributes are not BS|RT)" :
						       "attributes are not BS|RT");
	}
	return held;
}

/* "if a == va then b == vb": judged only when both read 0 or 1. */
struct sb_implication {
	enum sb_var_id a;
	int va;
	enum sb_var_id b;
	int vb;
	const char *what;
};

bool sb_rule_modes(const struct sb_state *s, unsigned *judged, struct conform_finding *f)
{
	static const struct sb_implication rules[] = {
		{ SB_SECURE_BOOT, 1, SB_SETUP_MODE, 0, "SecureBoot=1 with SetupMode=1 (Secure Boot on in Setup Mode)" },
		{ SB_AUDIT_MODE, 1, SB_SETUP_MODE, 1, "AuditMode=1 with SetupMode=0 (Audit Mode is a Setup Mode)" },
		{ SB_DEPLOYED_MODE, 1, SB_AUDIT_MODE, 0, "DeployedMode=1 with AuditMode=1" },
		{ SB_DEPLOYED_MODE, 1, SB_SETUP_MODE, 0, "DeployedMode=1 with SetupMode=1" },
	};
	bool held = true;
	bool counted[SB_IMPLICATIONS] = { false };

	*judged = 0;
	for (unsigned i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct sb_implication *r = &rules[i];
		int a = sb_var_bool(&s->var[r->a]), b = sb_var_bool(&s->var[r->b]);
		unsigned which = i < SB_IMPLICATIONS ? i : SB_IMPLICATIONS - 1; /* the last two are one implication */

		if (a < 0 || b < 0)
			continue;
		if (!counted[which])
			counted[which] = true, (*judged)++;
		if (a == r->va && b != r->vb)
			held = offend(f, which, NULL, r->what);
	}
	return held;
}

bool sb_write_probe_wanted(enum sb_var_id id, const struct sb_var *v)
{
	return (id == SB_SECURE_BOOT || id == SB_SETUP_MODE) && sb_var_bool(v) >= 0 &&
	       v->attributes == SB_VAR_ATTRIBUTES;
}

bool sb_var_unchanged(const struct sb_var *v)
{
	if (v->reread_status != v->status || v->reread_attributes != v->attributes || v->reread_size != v->size)
		return false;
	for (u64 i = 0; i < v->size && i < SB_VAR_DATA_MAX; i++)
		if (v->reread_data[i] != v->data[i])
			return false;
	return true;
}

bool sb_rule_read_only(const struct sb_state *s, unsigned *probed, struct conform_finding *f)
{
	bool held = true;

	*probed = 0;
	for (unsigned i = 0; i < SB_VAR_COUNT; i++) {
		const struct sb_var *v = &s->var[i];
		struct conform_item item = { .index = i, .addr = v->write_status, .type = v->data[0] };

		if (!v->write_probed)
			continue;
		(*probed)++;
		if (!sb_var_unchanged(v)) {
			item.what = "the variable changed: GetVariable() after the write differs from before it";
			held = conform_offend(f, &item);
		} else if (v->write_status != EFI_WRITE_PROTECTED) {
			item.what = v->write_status == EFI_SUCCESS ? "SetVariable() took the write (EFI_SUCCESS)" :
								     "SetVariable() did not answer EFI_WRITE_PROTECTED";
			held = conform_offend(f, &item);
		}
	}
	return held;
}

enum sb_mode sb_mode(const struct sb_state *s)
{
	int secure = sb_var_bool(&s->var[SB_SECURE_BOOT]), setup = sb_var_bool(&s->var[SB_SETUP_MODE]);
	int audit = sb_var_bool(&s->var[SB_AUDIT_MODE]), deployed = sb_var_bool(&s->var[SB_DEPLOYED_MODE]);
	bool pre_2_5 = s->var[SB_AUDIT_MODE].status == EFI_NOT_FOUND &&
		       s->var[SB_DEPLOYED_MODE].status == EFI_NOT_FOUND;
	struct conform_finding f;
	unsigned judged;

	conform_finding_init(&f, NULL, NULL);
	if (secure < 0 || setup < 0 || !sb_rule_modes(s, &judged, &f))
		return SB_MODE_UNKNOWN;
	if (pre_2_5)
		return setup ? SB_MODE_SETUP : SB_MODE_USER;
	if (audit < 0 || deployed < 0)
		return SB_MODE_UNKNOWN;
	if (audit)
		return SB_MODE_AUDIT;
	if (deployed)
		return SB_MODE_DEPLOYED;
	return setup ? SB_MODE_SETUP : SB_MODE_USER;
}
