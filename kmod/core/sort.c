// SPDX-License-Identifier: GPL-2.0
/* sort.c - the portable core's sorts; stateless, no locking. */
#include "sort.h"

/*
 * One iterative heapsort, ascending, instantiated for each element type
 * (the core has no generic sort with a compare callback: these are hot).
 */
#define QC_DEFINE_HEAPSORT(name, type)					\
void name(type *v, u32 n)						\
{									\
	u32 start, end, root, child;					\
	type tmp;							\
									\
	if (n < 2)							\
		return;							\
	start = n / 2;							\
	end = n;							\
	while (end > 1) {						\
		if (start > 0) {					\
			start--;		/* heapify phase */	\
		} else {						\
			end--;			/* extraction phase */	\
			tmp = v[end];					\
			v[end] = v[0];					\
			v[0] = tmp;					\
		}							\
		root = start;						\
		while ((child = 2 * root + 1) < end) {			\
			if (child + 1 < end && v[child + 1] > v[child])	\
				child++;				\
			if (v[root] >= v[child])			\
				break;					\
			tmp = v[root];					\
			v[root] = v[child];				\
			v[child] = tmp;					\
			root = child;					\
		}							\
	}								\
}

QC_DEFINE_HEAPSORT(qc_sort_u32, u32)
QC_DEFINE_HEAPSORT(qc_sort_u64, u64)
