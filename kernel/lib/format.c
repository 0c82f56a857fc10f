/* SPDX-License-Identifier: MIT */
/* A small vsnprintf: enough of C99's conversions for kernel diagnostics, bounded and NUL-terminated. */
#include <ccktf/format.h>
#include <ccktf/string.h>

struct sink {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even those that did not fit */
};

struct spec {
	bool left;
	char pad;
	int width;
	int precision; /* -1: none */
	int length;    /* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_padded(struct sink *s, const char *str, size_t n, const struct spec *sp)
{
	size_t fill = sp->width > 0 && (size_t)sp->width > n ? (size_t)sp->width - n : 0;

	if (!sp->left)
		while (fill--)
			put(s, sp->pad);
	while (n--)
		put(s, *str++);
	if (sp->left)
		while (fill--)
			put(s, ' ');
}

static size_t utoa(char *out, u64 v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static void put_number(struct sink *s, u64 v, bool negative, unsigned base, bool upper, struct spec *sp)
{
	char num[26];
	size_t n = 0;

	if (negative && sp->pad == '0' && !sp->left) {
		put(s, '-');
		if (sp->width > 0)
			sp->width--;
	} else if (negative) {
		num[n++] = '-';
	}
	n += utoa(num + n, v, base, upper);
	put_padded(s, num, n, sp);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .pad = ' ', .precision = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->pad = '0';
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		sp->precision = 0;
		if (*++f == '*') { /* C11 7.21.6.1: a negative precision is taken as if it were omitted */
			int p = va_arg(*ap, int);

			sp->precision = p < 0 ? -1 : p;
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp->precision = sp->precision * 10 + (*f - '0');
	}
	for (;; f++) {
		if (*f == 'l' || *f == 'z' || *f == 'j' || *f == 't')
			sp->length++;
		else if (*f == 'h')
			sp->length--;
		else
			return f;
	}
}

static u64 fetch_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->length >= 1)
		return sp->length == 1 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned long long);
	u64 v = va_arg(*ap, unsigned int);

	return sp->length == -1 ? (u16)v : sp->length <= -2 ? (u8)v : v;
}

static s64 fetch_signed(const struct spec *sp, va_list *ap)
{
	if (sp->length >= 1)
		return sp->length == 1 ? va_arg(*ap, long) : va_arg(*ap, long long);
	s64 v = va_arg(*ap, int);

	return sp->length == -1 ? (short)v : sp->length <= -2 ? (signed char)v : v;
}

static void convert(struct sink *s, char conv, struct spec *sp, va_list *ap)
{
	s64 sv;
	const char *str;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		sv = fetch_signed(sp, ap);
		put_number(s, sv < 0 ? -(u64)sv : (u64)sv, sv < 0, 10, false, sp);
		break;
	case 'u':
		put_number(s, fetch_unsigned(sp, ap), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		put_number(s, fetch_unsigned(sp, ap), false, 16, conv == 'X', sp);
		break;
	case 'o':
		put_number(s, fetch_unsigned(sp, ap), false, 8, false, sp);
		break;
	case 'p':
		put(s, '0');
		put(s, 'x');
		put_number(s, (uintptr_t)va_arg(*ap, void *), false, 16, false, sp);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(s, &c, 1, sp);
		break;
	case 's':
		str = va_arg(*ap, const char *);
		if (!str)
			str = "(null)";
		/* C11 7.21.6.1: with a precision, no byte past it is read (the array need not be terminated) */
		size_t n = 0, limit = sp->precision >= 0 ? (size_t)sp->precision : (size_t)-1;
		while (n < limit && str[n])
			n++;
		put_padded(s, str, n, sp);
		break;
	default: /* '%' and anything unknown are printed as they are */
		put(s, conv);
		break;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&s, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!*fmt)
			break;
		convert(&s, *fmt, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[MIN(s.len, size - 1)] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
