/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit_record.h - reading a job's audit record, one JSON line as
 * qpu-auditd writes it (Documentation/qpu/audit.rst, "JSON lines"), into
 * the struct qpu_job_record libqpu replays (qpu-run --replay). No device
 * access: host tests link it alone.
 */
#ifndef QPU_AUDIT_RECORD_H
#define QPU_AUDIT_RECORD_H

#include <stddef.h>
#include <libqpu.h>

/**
 * audit_record_parse() - parse one "job" record
 * @text: a JSON object: a record line of qpu-auditd's log, or qpu-run
 *	--json output (its "provenance" member is read: the same keys)
 * @rec: receives the fields replay needs (run_flags 0)
 * @err: receives what is wrong, naming the field
 * @errlen: size of @err
 *
 * Return: 0, or -EINVAL for text that is not a JSON object, a record
 * whose "type" is not "job" or whose "state" is not "done", a missing
 * field or one of the wrong type or range (hashes: 64 hex digits;
 * "phys": num_qubits numbers).
 */
int audit_record_parse(const char *text, struct qpu_job_record *rec,
		       char *err, size_t errlen);

#endif /* QPU_AUDIT_RECORD_H */
