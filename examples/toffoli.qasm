// toffoli.qasm - a one-bit full adder from three Toffoli gates.
//
// a = q[0], b = q[1], carry in = q[2] (it receives the sum), carry out =
// q[3]. The carry is the majority of a, b and carry in, ab + ac + bc mod
// 2, one Toffoli per product; the sum is a xor b xor carry in. With a = 1,
// b = 0, carry in = 1 the sum is 0 and the carry 1: every shot reads
// c = 1001 (c[3] c[2] c[1] c[0]: carry, sum, b, a).
// Every pair of its qubits interacts and heavy-hex has no short cycles,
// so on heavyhex:27 it runs only routed (qpu-run inserts SWAPs).
OPENQASM 2.0;
include "qelib1.inc";
qreg q[4];
creg c[4];
x q[0];
x q[2];
ccx q[0],q[1],q[3];
ccx q[0],q[2],q[3];
ccx q[1],q[2],q[3];
cx q[0],q[2];
cx q[1],q[2];
measure q -> c;
