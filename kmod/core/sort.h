/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sort.h - in-place sorting for the portable core: no recursion, no
 * allocation (the kernel's sort() and libc's qsort() differ, and the core
 * builds against both).
 */
#ifndef QPU_CORE_SORT_H
#define QPU_CORE_SORT_H

#include "port.h"

/** qc_sort_u32() - sort @n values ascending (heapsort, O(n log n)) */
void qc_sort_u32(u32 *v, u32 n);

/** qc_sort_u64() - sort @n values ascending (heapsort, O(n log n)) */
void qc_sort_u64(u64 *v, u32 n);

#endif /* QPU_CORE_SORT_H */
