/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - shared pieces of the host fuzz targets (selftests/fuzz/NAME_fuzz.c):
 * the libFuzzer entry point's prototype, a reader that turns the fuzz
 * input into integers (zeros once it runs out, so every input is usable),
 * and FZ_ASSERT, which reports a broken property and aborts so that both
 * libFuzzer and the corpus replay (replay.c) count it as a failure.
 */
#ifndef QPU_FUZZ_H
#define QPU_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s: ",	\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* The unread part of a fuzz input. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t lo = fz_u8(f);

	return lo | (uint16_t)fz_u8(f) << 8;
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t lo = fz_u16(f);

	return lo | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t lo = fz_u32(f);

	return lo | (uint64_t)fz_u32(f) << 32;
}

/* A value in 0..n-1 (0 if n is 0). */
static inline uint32_t fz_below(struct fz *f, uint32_t n)
{
	if (n <= 1)
		return 0;
	if (n <= 256)
		return fz_u8(f) % n;
	if (n <= 65536)
		return fz_u16(f) % n;
	return fz_u32(f) % n;
}

/* Copy @len bytes (zero-filled past the end of the input) into @out. */
static inline void fz_bytes(struct fz *f, void *out, size_t len)
{
	size_t k = len < f->n ? len : f->n;

	memcpy(out, f->p, k);
	memset((uint8_t *)out + k, 0, len - k);
	f->p += k;
	f->n -= k;
}

#endif /* QPU_FUZZ_H */
