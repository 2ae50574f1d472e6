OPENQASM 2.0;
include "qelib1.inc";
qreg q[64];
qreg r[2];
creg c[64];
h q;
measure q -> c;
x r[1];
