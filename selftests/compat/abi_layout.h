/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi_layout.h - a machine-readable description of the qpu uAPI, for the
 * compatibility check (selftests/host/abi_compat_test.c).
 *
 * selftests/compat/abi_layout.c is compiled twice: once against the frozen
 * v0 header (-Iselftests/compat/v0, defining abi_v0[]) and once against
 * the current one (-Iuapi, defining abi_cur[]). Both builds describe the
 * same names, so a v0 name the current header lost fails the build, and
 * the test compares the two tables record by record.
 */
#ifndef QPU_ABI_LAYOUT_H
#define QPU_ABI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/**
 * enum abi_kind - what a record describes and how it may evolve
 * @ABI_STRUCT_GROWS: an ioctl argument struct: sizeof may grow (at its
 *	end only: its fields are checked one by one)
 * @ABI_STRUCT_FIXED: a struct used in arrays or embedded in the SQE (its
 *	size is a stride or fills a fixed area): sizeof may never change
 * @ABI_FIELD: a named field: offset and size may never change
 * @ABI_RESERVED: a reserved or padding field: may be given a meaning
 *	later (old programs pass zero there), so only its bytes must still
 *	lie inside the struct; described in the v0 build only
 * @ABI_CONST: a value that may never change (opcodes, flags, magic)
 * @ABI_LIMIT: a value that may only grow (limits, the API version)
 * @ABI_IOCTL: an ioctl number: direction, type and number fixed, the
 *	size may grow with its struct
 * @ABI_SIZE_VER0: the current header's QPU_*_SIZE_VER0 for a struct
 *	(named like the struct; the smallest size the driver accepts): must
 *	equal the struct's size in v0; described in the current build only
 */
enum abi_kind {
	ABI_STRUCT_GROWS,
	ABI_STRUCT_FIXED,
	ABI_FIELD,
	ABI_RESERVED,
	ABI_CONST,
	ABI_LIMIT,
	ABI_IOCTL,
	ABI_SIZE_VER0,
};

/**
 * struct abi_rec - one record
 * @kind: enum abi_kind
 * @name: "struct.field", "struct" or the macro's name
 * @owner: for fields: sizeof their struct
 * @off: for fields: offsetof
 * @val: fields and structs: sizeof; constants, limits and ioctls: value
 */
struct abi_rec {
	enum abi_kind kind;
	const char *name;
	size_t owner;
	size_t off;
	uint64_t val;
};

extern const struct abi_rec abi_v0[];
extern const size_t abi_v0_len;
extern const struct abi_rec abi_cur[];
extern const size_t abi_cur_len;

#endif /* QPU_ABI_LAYOUT_H */
