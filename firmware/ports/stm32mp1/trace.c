/* SPDX-License-Identifier: BSD-3-Clause */
#include "trace.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

static char *trace_buf;
static uint32_t trace_size;
static uint32_t trace_pos;
static uint32_t lines;
static uint32_t wraps;

void trace_init(char *buf, uint32_t size)
{
	trace_buf = buf;
	trace_size = size;
	trace_pos = 0;
	lines = 0;
	wraps = 0;
	if (buf && size)
		buf[0] = '\0';
}

uint32_t trace_lines(void)
{
	return lines;
}

uint32_t trace_wraps(void)
{
	return wraps;
}

struct line {
	char s[TRACE_LINE_MAX + 1];
	uint32_t len;
};

static void put_char(struct line *l, char c)
{
	if (l->len < TRACE_LINE_MAX)
		l->s[l->len++] = c;
}

static void put_unsigned(struct line *l, uint32_t v, unsigned int base, unsigned int width,
			 char pad, bool negative)
{
	char digits[12];
	unsigned int n = 0;

	do {
		unsigned int d = v % base;

		digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (negative)
		digits[n++] = '-';
	/* A sign goes before zero padding, after space padding. */
	if (negative && pad == '0') {
		put_char(l, '-');
		n--;
		width = width ? width - 1 : 0;
	}
	for (unsigned int i = n; i < width; i++)
		put_char(l, pad);
	while (n)
		put_char(l, digits[--n]);
}

static void format(struct line *l, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put_char(l, *fmt);
			continue;
		}
		fmt++;

		char pad = ' ';
		unsigned int width = 0;

		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned int)(*fmt++ - '0');

		/* 'l' as PRIu32/PRIx32 expand to where uint32_t is unsigned long. */
		bool is_long = *fmt == 'l';

		if (is_long)
			fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			for (s = s ? s : "(null)"; *s; s++)
				put_char(l, *s);
			break;
		}
		case 'c':
			put_char(l, (char)va_arg(ap, int));
			break;
		case 'd': {
			int32_t v = is_long ? (int32_t)va_arg(ap, long) : va_arg(ap, int);
			/* Negate in unsigned arithmetic so INT32_MIN works too. */
			uint32_t mag = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;

			put_unsigned(l, mag, 10, width, pad, v < 0);
			break;
		}
		case 'u':
		case 'x': {
			uint32_t v = is_long ? (uint32_t)va_arg(ap, unsigned long)
					     : va_arg(ap, unsigned int);

			put_unsigned(l, v, *fmt == 'x' ? 16 : 10, width, pad, false);
			break;
		}
		case '%':
			put_char(l, '%');
			break;
		case '\0':
			return;
		default:
			put_char(l, '?');
			break;
		}
	}
}

void trace_log(const char *fmt, ...)
{
	struct line l;
	va_list ap;

	if (!trace_buf || trace_size < 2)
		return;
	l.len = 0;
	va_start(ap, fmt);
	format(&l, fmt, ap);
	va_end(ap);
	l.s[l.len++] = '\n';
	if (l.len > trace_size - 1)
		l.len = trace_size - 1;
	if (trace_pos + l.len > trace_size - 1) {
		trace_pos = 0;
		wraps++;
	}
	/*
	 * Terminate first, then copy: a reader in the middle of this sees the
	 * old text cut short rather than running into stale lines.
	 */
	trace_buf[trace_pos + l.len] = '\0';
	memcpy(trace_buf + trace_pos, l.s, l.len);
	trace_pos += l.len;
	lines++;
}
