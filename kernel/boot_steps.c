/* SPDX-License-Identifier: MIT */
/* Boot steps the EFI entry and the 64-bit boot-protocol entry share (ccktf/boot_steps.h). */
#include <ccktf/boot_steps.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/kernel.h>
#include <ccktf/metric.h>

void boot_usage_error(const char *msg)
{
	printk("# ccktf: usage error: %s\n", msg);
	args_print_valid_keys();
	ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
	__builtin_unreachable();
}

void boot_parse_args(struct boot_info *b)
{
	char err[160];

	printk("# ccktf: args=\"%s\"\n", b->args.text);
	if (!args_parse(&b->args, err, sizeof(err)) || !kernel_selection_valid(&b->args, err, sizeof(err)))
		boot_usage_error(err);
	metric_set_flat(b->args.lava);
}

void boot_select_platform(struct boot_info *b)
{
	char err[160];
	const struct platform_ops *p = platform_select(b->args.platform, err, sizeof(err));

	if (!p)
		boot_usage_error(err);
	printk("# ccktf: version=%s platform=%s\n", CCKTF_VERSION, p->name);
}

void boot_print_config_tables(const struct boot_info *b)
{
	char guid[40];

	printk("# config tables: %llu\n", (unsigned long long)b->config_table_total);
	for (u64 i = 0; i < b->config_table_count; i++) {
		const char *name = efi_guid_name(&b->config_tables[i].guid);
		efi_guid_format(&b->config_tables[i].guid, guid, sizeof(guid));
		printk("#   %s at %p (%s)\n", guid, b->config_tables[i].table, name ? name : "unknown");
	}
}
