OPENQASM 2.0;
include "qelib1.inc";
param w[2];
qreg q[2];
rx(w[0]*w[1]) q[0];
