/* SPDX-License-Identifier: MIT */
/*
 * The firmware's Secure Boot state, read before ExitBootServices through GetVariable() (UEFI 2.10 section
 * 8.2) from the four globally defined variables (section 3.3, Table 3-1: SecureBoot, SetupMode, AuditMode,
 * DeployedMode, under EFI_GLOBAL_VARIABLE) and printed as the `# secure-boot:` line (docs/protocol.md
 * "Secure Boot state"). Every value is what the firmware answered: a variable it does not have is
 * `missing:0xSTATUS`, any other failed read `err:0xSTATUS`, never a default.
 */
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "conform/secure_boot.h"

static void read_var(struct efi_runtime_services *rt, enum sb_var_id id, struct sb_var *v)
{
	efi_guid_t guid = EFI_GLOBAL_VARIABLE_GUID;
	efi_char16_t name[SB_NAME_MAX];

	sb_var_name_ucs2(id, name);
	memset(v, 0, sizeof(*v));
	v->size = sizeof(v->data);
	v->status = rt->get_variable(name, &guid, &v->attributes, &v->size, v->data);
	if (v->status != EFI_SUCCESS)
		v->attributes = 0;
}

/* "1", "bytes:0100" (a size other than 1), "missing:0x...", "err:0x..." */
static void format_value(const struct sb_var *v, char *buf, size_t size)
{
	size_t n;

	if (v->status == EFI_NOT_FOUND) {
		snprintf(buf, size, "missing:0x%llx", (unsigned long long)v->status);
	} else if (!sb_var_present(v)) {
		snprintf(buf, size, "err:0x%llx", (unsigned long long)v->status);
	} else if (v->size == SB_VAR_SIZE) {
		snprintf(buf, size, "%u", v->data[0]);
	} else {
		n = (size_t)snprintf(buf, size, "bytes:");
		for (u64 i = 0; i < v->size && i < SB_VAR_DATA_MAX && n + 3 <= size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%02x", v->data[i]);
	}
}

static void print_state(const struct sb_state *s)
{
	char line[400], value[40];
	size_t n = 0;

	for (unsigned i = 0; i < SB_VAR_COUNT; i++) {
		const struct sb_var *v = &s->var[i];

		format_value(v, value, sizeof(value));
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%s", sb_var_key(i), value);
		if (sb_var_present(v))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s_attr=0x%x", sb_var_key(i),
					      v->attributes);
		if (v->status == EFI_BUFFER_TOO_SMALL)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s_size=%llu", sb_var_key(i),
					      (unsigned long long)v->size);
	}
	printk("# secure-boot: mode=%s%s\n", sb_mode_name(sb_mode(s)), line);
}

void efi_read_secure_boot(struct boot_info *b)
{
	for (unsigned i = 0; i < SB_VAR_COUNT; i++)
		read_var(b->st->runtime_services, i, &b->secure_boot.var[i]);
	b->secure_boot.read = true;
	print_state(&b->secure_boot);
}
