/* SPDX-License-Identifier: GPL-2.0 */
/*
 * embed.S - a compiled BPF object as read-only data of the program that
 * loads it (bpf_object__open_mem()), so tools and tests carry their BPF
 * code with them. Built with -DBPF_OBJ="path" -DBPF_SYM=name: defines
 * name[] and name_end.
 */
#define QPU_CAT_(a, b)	a ## b
#define QPU_CAT(a, b)	QPU_CAT_(a, b)

	.section .rodata
	.balign 8
	.global BPF_SYM
BPF_SYM:
	.incbin BPF_OBJ
	.global QPU_CAT(BPF_SYM, _end)
QPU_CAT(BPF_SYM, _end):
	.section .note.GNU-stack, "", @progbits
