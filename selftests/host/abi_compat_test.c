// SPDX-License-Identifier: GPL-2.0
/*
 * abi_compat_test.c - the current uAPI header keeps the frozen v0 ABI.
 *
 * selftests/compat/abi_layout.c describes every struct, field, constant and
 * ioctl of the v0 header; it is built once against the frozen copy
 * (selftests/compat/v0/linux/qpu.h) and once against uapi/linux/qpu.h, and
 * the two tables are compared here:
 *
 *  - the v0 table is complete: each struct's fields and reserved fields
 *    tile it from byte 0 to sizeof, with no gap and no overlap, so no v0
 *    byte escapes the comparison;
 *  - every v0 field keeps its offset and size; reserved and padding bytes
 *    stay inside their struct (they may be given a meaning later);
 *  - ioctl argument structs only grow, by multiples of 8; structs laid out
 *    in arrays, result slices or the SQE never change size;
 *  - opcodes, flags, enum values and magic numbers keep their values,
 *    limits and the API version never shrink;
 *  - ioctl numbers keep direction, type and number; their size field only
 *    grows with its struct;
 *  - the current header's QPU_*_SIZE_VER0 (the smallest size the driver
 *    accepts) equal the v0 sizes of their structs.
 *
 * A v0 name the current header lost already fails the build of this test.
 */
#include <stdbool.h>
#include <linux/ioctl.h>

#include "qpu_test.h"
#include "abi_layout.h"

static const struct abi_rec *cur_find(const struct abi_rec *v0)
{
	size_t i;

	for (i = 0; i < abi_cur_len; i++)
		if (abi_cur[i].kind == v0->kind && !strcmp(abi_cur[i].name, v0->name))
			return &abi_cur[i];
	return NULL;
}

/* The struct record that field @f (of either table) belongs to. */
static const struct abi_rec *owner_of(const struct abi_rec *tab, size_t len,
				      const struct abi_rec *f)
{
	size_t n = strcspn(f->name, "."), i;

	for (i = 0; i < len; i++)
		if ((tab[i].kind == ABI_STRUCT_GROWS ||
		     tab[i].kind == ABI_STRUCT_FIXED) &&
		    strlen(tab[i].name) == n && !strncmp(tab[i].name, f->name, n))
			return &tab[i];
	QT_FAIL("%s: no struct record", f->name);
}

static bool is_field(const struct abi_rec *r)
{
	return r->kind == ABI_FIELD || r->kind == ABI_RESERVED;
}

static int cmp_off(const void *a, const void *b)
{
	const struct abi_rec *x = *(const struct abi_rec *const *)a;
	const struct abi_rec *y = *(const struct abi_rec *const *)b;

	return x->off < y->off ? -1 : x->off > y->off;
}

QPU_TEST(v0_table_complete)
{
	const struct abi_rec *f[64];
	size_t i, j, n, end;
	int nstructs = 0;

	for (i = 0; i < abi_v0_len; i++) {
		const struct abi_rec *s = &abi_v0[i];

		if (s->kind != ABI_STRUCT_GROWS && s->kind != ABI_STRUCT_FIXED)
			continue;
		nstructs++;
		for (n = 0, j = 0; j < abi_v0_len; j++)
			if (is_field(&abi_v0[j]) &&
			    owner_of(abi_v0, abi_v0_len, &abi_v0[j]) == s) {
				QT_ASSERT_LT(n, 64);
				f[n++] = &abi_v0[j];
			}
		QT_ASSERT_GT(n, 0);
		qsort(f, n, sizeof(f[0]), cmp_off);
		for (end = 0, j = 0; j < n; j++) {
			if (f[j]->off != end)
				QT_FAIL("%s: %s at %zu, expected %zu (a gap, an "
					"overlap or a field missing from the "
					"table)", s->name, f[j]->name, f[j]->off,
					end);
			QT_ASSERT_EQ(f[j]->owner, s->val);
			end += f[j]->val;
		}
		if (end != s->val)
			QT_FAIL("%s: fields end at %zu, sizeof is %llu", s->name,
				end, (unsigned long long)s->val);
	}
	QT_ASSERT_EQ(nstructs, 17);
}

QPU_TEST(struct_layouts_kept)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < abi_v0_len; i++) {
		const struct abi_rec *o = &abi_v0[i], *c, *cs;

		switch (o->kind) {
		case ABI_STRUCT_GROWS:
			c = cur_find(o);
			QT_ASSERT(c);
			if (c->val < o->val || c->val % 8) {
				printf("# struct %s: %llu bytes, was %llu (may "
				       "only grow, by multiples of 8)\n", o->name,
				       (unsigned long long)c->val,
				       (unsigned long long)o->val);
				bad++;
			}
			break;
		case ABI_STRUCT_FIXED:
			c = cur_find(o);
			QT_ASSERT(c);
			if (c->val != o->val) {
				printf("# struct %s: %llu bytes, was %llu (an "
				       "array stride or a fixed area: may never "
				       "change)\n", o->name,
				       (unsigned long long)c->val,
				       (unsigned long long)o->val);
				bad++;
			}
			break;
		case ABI_FIELD:
			c = cur_find(o);
			QT_ASSERT(c);
			if (c->off != o->off || c->val != o->val) {
				printf("# %s: offset %zu size %llu, was %zu %llu\n",
				       o->name, c->off, (unsigned long long)c->val,
				       o->off, (unsigned long long)o->val);
				bad++;
			}
			break;
		case ABI_RESERVED:
			cs = cur_find(owner_of(abi_v0, abi_v0_len, o));
			QT_ASSERT(cs);
			if (o->off + o->val > cs->val) {
				printf("# %s: bytes %zu..%llu no longer in the "
				       "struct (%llu bytes)\n", o->name, o->off,
				       (unsigned long long)(o->off + o->val),
				       (unsigned long long)cs->val);
				bad++;
			}
			break;
		default:
			break;
		}
	}
	QT_ASSERT_EQ(bad, 0);
}

QPU_TEST(constants_kept)
{
	const struct abi_rec *o, *c;
	int bad = 0, n = 0;
	size_t i;

	for (i = 0; i < abi_v0_len; i++) {
		o = &abi_v0[i];
		if (o->kind != ABI_CONST && o->kind != ABI_LIMIT)
			continue;
		n++;
		c = cur_find(o);
		QT_ASSERT(c);
		if (o->kind == ABI_CONST ? c->val != o->val : c->val < o->val) {
			printf("# %s: %#llx, was %#llx (%s)\n", o->name,
			       (unsigned long long)c->val,
			       (unsigned long long)o->val,
			       o->kind == ABI_CONST ? "may never change" :
						      "may only grow");
			bad++;
		}
	}
	QT_ASSERT_GT(n, 50);
	QT_ASSERT_EQ(bad, 0);
}

QPU_TEST(ioctl_numbers_kept)
{
	const struct abi_rec *o, *c;
	int bad = 0, n = 0;
	size_t i;

	for (i = 0; i < abi_v0_len; i++) {
		o = &abi_v0[i];
		if (o->kind != ABI_IOCTL)
			continue;
		n++;
		c = cur_find(o);
		QT_ASSERT(c);
		if (_IOC_DIR(c->val) != _IOC_DIR(o->val) ||
		    _IOC_TYPE(c->val) != _IOC_TYPE(o->val) ||
		    _IOC_NR(c->val) != _IOC_NR(o->val) ||
		    _IOC_SIZE(c->val) < _IOC_SIZE(o->val)) {
			printf("# %s: %#llx, was %#llx\n", o->name,
			       (unsigned long long)c->val,
			       (unsigned long long)o->val);
			bad++;
		}
	}
	QT_ASSERT_EQ(n, 13);
	QT_ASSERT_EQ(bad, 0);
}

/* Every growable v0 struct has a QPU_*_SIZE_VER0 equal to its v0 size. */
QPU_TEST(size_ver0_matches_v0)
{
	const struct abi_rec *o;
	struct abi_rec key;
	size_t i;
	int n = 0;

	for (i = 0; i < abi_v0_len; i++) {
		const struct abi_rec *c;

		o = &abi_v0[i];
		if (o->kind != ABI_STRUCT_GROWS)
			continue;
		n++;
		key = *o;
		key.kind = ABI_SIZE_VER0;
		c = cur_find(&key);
		if (!c)
			QT_FAIL("struct %s: no QPU_*_SIZE_VER0", o->name);
		if (c->val != o->val)
			QT_FAIL("struct %s: SIZE_VER0 %llu, v0 sizeof %llu",
				o->name, (unsigned long long)c->val,
				(unsigned long long)o->val);
	}
	QT_ASSERT_EQ(n, 12);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
