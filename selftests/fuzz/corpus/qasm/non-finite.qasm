OPENQASM 2.0;
qreg q[1];
U(1e308*10, 0, 0) q[0];
