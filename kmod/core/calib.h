/* SPDX-License-Identifier: GPL-2.0 */
/*
 * calib.h - the calibration table's text format (portable core): parsing
 * and validation of what root writes to the sysfs "calibration" attribute,
 * and the fixed-width records that reading it gives. Shared by the module
 * (kmod/qpu_calib.c) and the host tests and fuzzers.
 *
 * Records, one per line:
 *
 *	q Q R G T1 T2 R10	qubit Q: readout_ppm (P(read 1 | state 0)),
 *				gate1q_ppm, t1_us, t2_us, readout10_ppm
 *				(P(read 0 | state 1)); ppm 0..1000000;
 *				T1, T2 1..9999999, T2 <= 2 * T1
 *	e A B G			edge A-B (either order): gate2q_ppm
 *
 * The format grows by appending: a "q" record's values only ever gain
 * new ones at the end, and a write may omit the trailing ones a version
 * added, which then take their documented fallback. Today that is R10,
 * whose fallback is R (the symmetric readout of the 5-value form).
 * Reads always give every value.
 *
 * Also the default values a device starts with (qc_calib_defaults()) and
 * their drift over time (qc_calib_drift()), integer only.
 *
 * Stateless functions over caller-owned memory; no locking.
 */
#ifndef QPU_CORE_CALIB_H
#define QPU_CORE_CALIB_H

#include "port.h"
#include "topology.h"

#define QC_CALIB_QREC_LEN	47	/* "q %4u %7u %7u %7u %7u %7u\n" */
#define QC_CALIB_EREC_LEN	20	/* "e %4u %4u %7u\n" */
#define QC_CALIB_PPM_MAX	1000000U

/* The values of one qubit, in struct qc_calib_update.val and snapshots. */
enum qc_calib_qval {
	QC_CQ_READOUT,		/* readout error P(read 1 | state 0), ppm */
	QC_CQ_GATE1Q,		/* one-qubit gate error, ppm */
	QC_CQ_T1,		/* T1, microseconds */
	QC_CQ_T2,		/* T2, microseconds */
	QC_CQ_READOUT10,	/* readout error P(read 0 | state 1), ppm */
	QC_CALIB_QVALS,		/* values per qubit */
};
#define QC_CALIB_TIME_MAX_US	9999999U

/**
 * struct qc_calib_update - one parsed, validated record
 * @edge: an "e" record (else "q")
 * @index: qubit, or edge index into qc_topology.edges
 * @val: "q": indexed by enum qc_calib_qval; "e": val[0] gate2q_ppm
 */
struct qc_calib_update {
	bool edge;
	u32 index;
	u32 val[QC_CALIB_QVALS];
};

/** qc_calib_max_updates() - room qc_calib_parse() may need: @len's lines */
u32 qc_calib_max_updates(const char *buf, size_t len);

/**
 * qc_calib_parse() - parse and validate a whole write of records
 * @t: the device's topology
 * @buf: the bytes written; need not be NUL-terminated
 * @len: their number
 * @ups: out: room for qc_calib_max_updates(@buf, @len) entries
 * @nups: out: records parsed
 *
 * The write must consist of whole lines (end with '\n'); blank lines and
 * lines starting with '#' are skipped; words are separated by blanks and
 * tabs; numbers are decimal (an optional '+'); a NUL byte is invalid.
 * Nothing is applied here: on any error the caller changes nothing.
 *
 * Return: 0 with at least one record; -EINVAL (syntax, no record),
 * -ERANGE (a value or index out of range), -ENOENT (an "e" record names
 * two qubits that are not coupled).
 */
int qc_calib_parse(const struct qc_topology *t, const char *buf, size_t len,
		   struct qc_calib_update *ups, u32 *nups);

/**
 * qc_calib_fmt_qubit() - the "q" record of qubit @q
 * @out: QC_CALIB_QREC_LEN characters and a NUL
 * @val: %QC_CALIB_QVALS values indexed by enum qc_calib_qval (in range)
 */
void qc_calib_fmt_qubit(char *out, u32 q, const u32 *val);

/**
 * qc_calib_fmt_edge() - the "e" record of edge @a-@b
 * @out: QC_CALIB_EREC_LEN characters and a NUL
 */
void qc_calib_fmt_edge(char *out, u32 a, u32 b, u32 gate2q_ppm);

/**
 * qc_calib_defaults() - a device's calibration out of the box
 * @t: its topology
 * @seed: what makes devices differ (the device id)
 * @qval: out: %QC_CALIB_QVALS values per qubit, qubit q at
 *	[%QC_CALIB_QVALS * q], indexed by enum qc_calib_qval
 * @gate2q: out: gate2q_ppm per edge, indexed like @t->edges
 *
 * Values drawn around the published medians of IBM heavy-hex devices,
 * with their long tails and a few bad couplers (the distributions are
 * tabled in Documentation/qpu/noise.rst, "Default calibration"); every
 * value is in range for qc_calib_parse(). A pure function of @t's size
 * and @seed.
 */
void qc_calib_defaults(const struct qc_topology *t, u32 seed, u32 *qval,
		       u32 *gate2q);

/**
 * qc_calib_drift() - one step of calibration drift, in place
 * @t: the device's topology
 * @seed: the device's seed (as for qc_calib_defaults())
 * @step: which step (the epoch it makes): steps differ, and the same
 *	step from the same values gives the same result
 * @base_qval: the values drift is pulled back to (the defaults), laid
 *	out as @qval
 * @base_gate2q: likewise for @gate2q
 * @qval: the qubit values, laid out as for qc_calib_defaults()
 * @gate2q: the edge values
 *
 * Each value is multiplied by a seeded factor in [0.95, 1.05], then moved
 * 1/8 of the way back to its base value, and clamped to its valid range
 * (T2 to at most 2 * T1), so the table wanders without running away.
 */
void qc_calib_drift(const struct qc_topology *t, u32 seed, u64 step,
		    const u32 *base_qval, const u32 *base_gate2q, u32 *qval,
		    u32 *gate2q);

#endif /* QPU_CORE_CALIB_H */
