OPENQASM 2.0;
include "qelib1.inc";
param theta[3];
param beta[2];
qreg q[3];
creg c[3];
gate ent(a) x, y { cx x, y; rz(a) y; cx x, y; }
ry(2*theta[0] + pi/4) q[0];
rx(-theta[1]/3) q[1];
rz(theta[2] - 1.5e-3) q[2];
ent(beta[0]) q[0], q[1];
u3(theta[0], beta[1] * 2, -(theta[2])) q[2];
cp(0.5 * beta[1] + ln(2) * sqrt(2)) q[1], q[2];
measure q -> c;
