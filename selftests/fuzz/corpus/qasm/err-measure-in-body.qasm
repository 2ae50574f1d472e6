OPENQASM 2.0;
qreg q[2];
creg c[2];
gate bad a { measure a -> c[0]; }
