// bell.qasm - a Bell pair: the smallest entangled state.
//
// H puts q[0] into (|0> + |1>)/sqrt(2); CX copies it onto q[1], giving
// (|00> + |11>)/sqrt(2). Both qubits are measured.
//
// Expected outcome: "00" and "11" about half of the shots each, never
// "01" or "10" (the two bits always agree).
OPENQASM 2.0;
include "qelib1.inc";

qreg q[2];
creg c[2];

h q[0];
cx q[0], q[1];
measure q[0] -> c[0];
measure q[1] -> c[1];
