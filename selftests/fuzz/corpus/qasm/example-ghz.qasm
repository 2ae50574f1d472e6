// ghz.qasm - a 5-qubit GHZ state (|00000> + |11111>)/sqrt(2).
//
// H on q[0], then a ladder of CX gates spreads the superposition to every
// qubit. The barrier only marks the end of the preparation. The whole
// register is measured at once ("measure q -> c" measures q[i] into c[i]).
//
// Expected outcome: 00000 and 11111 about half of the shots each; no other
// outcome appears on a noiseless device.
OPENQASM 2.0;
include "qelib1.inc";

qreg q[5];
creg c[5];

h q[0];
cx q[0], q[1];
cx q[1], q[2];
cx q[2], q[3];
cx q[3], q[4];
barrier q;
measure q -> c;
