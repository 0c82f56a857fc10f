/* SPDX-License-Identifier: MIT */
/* Parses boot arguments through one table of keys, which also produces the usage message. */
#include <ccktf/args.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/string.h>

struct arg_key {
	const char *name;
	const char *values; /* for the usage message */
	bool (*parse)(struct kernel_args *args, const char *value);
};

static bool parse_u64(const char *s, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0') :
			     *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) :
			     *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10) : 99;
		if (d >= base || v > (~0ull - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool args_parse_flag(const char *s, bool *out)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return false;
	*out = s[0] == '1';
	return true;
}

static bool parse_tests(struct kernel_args *a, const char *v)
{
	for (const char *p = v; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && !strchr("_.*?,", *p))
			return false;
	a->tests = v;
	return *v != '\0';
}

/* The index of v in names, or -1: how every key with a fixed set of values is parsed. */
int args_lookup(const char *const *names, size_t count, const char *v)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(v, names[i]))
			return (int)i;
	return -1;
}

static bool parse_platform(struct kernel_args *a, const char *v)
{
	static const char *const names[] = { "auto", "none", "tdx", "snp", "sim-tdx", "sim-snp" };
	int i = ARGS_LOOKUP(names, v);

	if (i >= 0)
		a->platform = names[i];
	return i >= 0;
}

static const char *const crash_names[] = { [CRASH_NONE] = "none", [CRASH_PF] = "pf", [CRASH_UD] = "ud",
					   [CRASH_GP] = "gp",	  [CRASH_DE] = "de", [CRASH_HANG] = "hang" };

const char *args_crash_name(enum crash_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(crash_names) ? crash_names[kind] : "?";
}

static bool parse_crash(struct kernel_args *a, const char *v)
{
	int i = ARGS_LOOKUP(crash_names, v);

	if (i >= 0)
		a->crash = (enum crash_kind)i;
	return i >= 0;
}

/* A size with an optional K, M or G suffix (powers of 1024). */
bool args_parse_size(const char *s, u64 *out)
{
	char digits[24];
	size_t n = strlen(s);
	unsigned shift = 0;

	if (n && strchr("KMG", s[n - 1])) {
		shift = s[n - 1] == 'K' ? 10 : s[n - 1] == 'M' ? 20 : 30;
		n--;
	}
	if (n == 0 || n >= sizeof(digits))
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_u64(digits, out) || *out > (~0ull >> shift))
		return false;
	*out <<= shift;
	return true;
}

static bool allow_unaccepted_given;

static bool parse_allow_unaccepted(struct kernel_args *a, const char *v)
{
	allow_unaccepted_given = true;
	return args_parse_flag(v, &a->allow_unaccepted);
}

static const char *const kernel_kind_names[] = { [KERNEL_ENLIGHTENED] = "enlightened",
						 [KERNEL_UNENLIGHTENED] = "unenlightened",
						 [KERNEL_PROTOCOL_DROPPED] = "protocol-dropped" };

const char *args_kernel_kind_name(enum kernel_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(kernel_kind_names) ? kernel_kind_names[kind] : "?";
}

static bool kernel_kind_given;

static bool parse_kernel_kind(struct kernel_args *a, const char *v)
{
	int i = ARGS_LOOKUP(kernel_kind_names, v);

	if (i >= 0)
		a->kernel_kind = (enum kernel_kind)i;
	kernel_kind_given = true;
	return i >= 0;
}

static bool parse_matrix(struct kernel_args *a, const char *v)
{
	return args_parse_flag(v, &a->matrix);
}

/*
 * allow_unaccepted=0 is the protocol-dropped kernel (it predates kernel_kind=, and stays as its alias);
 * a kernel kind and a contradicting allow_unaccepted= is a usage error, as any contradiction is.
 */
static bool settle_kernel_kind(struct kernel_args *a, char *err, size_t err_size)
{
	if (allow_unaccepted_given && kernel_kind_given &&
	    a->allow_unaccepted != (a->kernel_kind == KERNEL_ENLIGHTENED)) {
		snprintf(err, err_size, "kernel_kind=%s contradicts allow_unaccepted=%u (only the enlightened kernel "
			 "calls AllowUnacceptedMemory())", args_kernel_kind_name(a->kernel_kind), a->allow_unaccepted);
		return false;
	}
	if (!kernel_kind_given && !a->allow_unaccepted)
		a->kernel_kind = KERNEL_PROTOCOL_DROPPED;
	a->allow_unaccepted = a->kernel_kind == KERNEL_ENLIGHTENED;
	return true;
}

static bool parse_bench(struct kernel_args *a, const char *v)
{
	static const char *const names[] = { [BENCH_OFF] = "off", [BENCH_SHORT] = "short", [BENCH_FULL] = "full" };
	int i = ARGS_LOOKUP(names, v);

	if (i >= 0)
		a->bench = (enum bench_mode)i;
	return i >= 0;
}

static bool parse_conformance(struct kernel_args *a, const char *v)
{
	return args_parse_flag(v, &a->conformance);
}

static bool parse_probe(struct kernel_args *a, const char *v)
{
	static const char *const names[] = { [PROBE_NONE] = "none", [PROBE_TOUCH_UNACCEPTED] = "touch_unaccepted",
					     [PROBE_TOUCH_PENDING_RAM] = "touch_pending_ram",
					     [PROBE_TOUCH_BESIDE_ACCEPTED] = "touch_beside_accepted",
					     [PROBE_TOUCH_DURING_ACCEPT] = "touch_during_accept" };
	int i = ARGS_LOOKUP(names, v);

	if (i >= 0)
		a->probe = (enum probe_kind)i;
	return i >= 0;
}

static bool parse_seed(struct kernel_args *a, const char *v)
{
	return parse_u64(v, &a->seed);
}

static bool parse_list(struct kernel_args *a, const char *v)
{
	return args_parse_flag(v, &a->list);
}

static bool parse_lava(struct kernel_args *a, const char *v)
{
	return args_parse_flag(v, &a->lava);
}

static bool parse_demo_fail(struct kernel_args *a, const char *v)
{
	return args_parse_flag(v, &a->demo_fail);
}

static const struct arg_key keys[] = {
	{ "tests", "GLOB[,GLOB] over suite.test", parse_tests },
	{ "list", "0|1", parse_list },
	{ "platform", "auto|none|tdx|snp|sim-tdx|sim-snp", parse_platform },
	{ "seed", "decimal or 0x-hex", parse_seed },
	{ "demo_fail", "0|1", parse_demo_fail },
	{ "crash", "none|pf|ud|gp|de|hang", parse_crash },
	{ "allow_unaccepted", "0|1", parse_allow_unaccepted },
	{ "kernel_kind", "enlightened|unenlightened|protocol-dropped", parse_kernel_kind },
	{ "bench", "off|short|full", parse_bench },
	{ "conformance", "0|1", parse_conformance },
	{ "probe", "none|touch_unaccepted|touch_pending_ram|touch_beside_accepted|touch_during_accept", parse_probe },
	{ "lava", "0|1", parse_lava },
	{ "matrix", "0|1", parse_matrix },
};

extern const struct arg_key_ext *const __start_arg_keys[], *const __stop_arg_keys[];

#define for_each_ext_key(k) for (const struct arg_key_ext *const *k = __start_arg_keys; k < __stop_arg_keys; k++)

static const struct arg_key *find_key(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static const struct arg_key_ext *find_ext_key(const char *name)
{
	for_each_ext_key(k)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

static bool parse_word(struct kernel_args *args, char *word, char *err, size_t err_size)
{
	char *eq = strchr(word, '=');
	const struct arg_key *key;
	const struct arg_key_ext *ext;

	if (!eq) {
		snprintf(err, err_size, "'%s' is not a key=value word", word);
		return false;
	}
	*eq = '\0';
	key = find_key(word);
	ext = key ? NULL : find_ext_key(word);
	if (!key && !ext) {
		snprintf(err, err_size, "unknown key '%s'", word);
		return false;
	}
	if (key ? !key->parse(args, eq + 1) : !ext->parse(eq + 1)) {
		snprintf(err, err_size, "bad value '%s' for %s (expected %s)", eq + 1, word,
			 key ? key->values : ext->values);
		return false;
	}
	return true;
}

static void set_defaults(struct kernel_args *a)
{
	a->tests = "*";
	a->platform = "auto";
	a->seed = 1;
	a->list = false;
	a->demo_fail = false;
	a->crash = CRASH_NONE;
	a->allow_unaccepted = true;
	a->kernel_kind = KERNEL_ENLIGHTENED;
	a->matrix = false;
	allow_unaccepted_given = kernel_kind_given = false;
	a->bench = BENCH_OFF;
	a->conformance = false;
	a->probe = PROBE_NONE;
	a->lava = false;
}

/* A key given twice is a usage error: which value was meant cannot be known (docs/protocol.md). */
static bool first_time(const char **seen, size_t count, const char *word, char *err, size_t err_size)
{
	size_t len = strchr(word, '=') ? (size_t)(strchr(word, '=') - word) : strlen(word);

	for (size_t i = 0; i < count; i++)
		if (strlen(seen[i]) == len && !memcmp(seen[i], word, len)) {
			snprintf(err, err_size, "key '%s' given twice", seen[i]);
			return false;
		}
	return true;
}

bool args_parse(struct kernel_args *args, char *err, size_t err_size)
{
	const char *seen[ARGS_MAX_WORDS];
	size_t count = 0;
	char *p = args->text;

	set_defaults(args);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			return settle_kernel_kind(args, err, err_size);
		char *word = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		if (count == ARGS_MAX_WORDS) { /* only with more keys than that: each is accepted once */
			snprintf(err, err_size, "more than %u arguments", ARGS_MAX_WORDS);
			return false;
		}
		if (!first_time(seen, count, word, err, err_size) || !parse_word(args, word, err, err_size))
			return false;
		seen[count++] = word; /* parse_word() ended the key at its '=' */
	}
}

void args_print_valid_keys(void)
{
	printk("# ccktf: valid keys:");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		printk(" %s", keys[i].name);
	for_each_ext_key(k)
		printk(" %s", (*k)->name);
	printk("\n");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		printk("# ccktf:   %s=%s\n", keys[i].name, keys[i].values);
	for_each_ext_key(k)
		printk("# ccktf:   %s=%s\n", (*k)->name, (*k)->values);
}
