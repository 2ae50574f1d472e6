OPENQASM 2.0;
include "qelib1.inc";
gate g a { h a; }
gate g2 a { g a; g a; }
gate g3 a { g2 a; g2 a; }
gate g4 a { g3 a; g3 a; }
gate g5 a { g4 a; g4 a; }
qreg q[3];
g5 q;
