OPENQASM 2.0;
include "qelib1.inc";
// user gates, nesting, broadcast, conditions, reset
gate majority a, b, c { cx c, b; cx c, a; ccx a, b, c; }
gate rot(theta, phi) a { rz(phi) a; ry(theta / 2) a; rz(-phi) a; }
gate layer(t) a, b { rot(t, t^2) a; rot(sin(t), cos(t)) b; barrier a, b; cx a, b; }
opaque magic(x) a;
qreg a[3];
qreg b[3];
creg m[3];
creg flag[1];
h a;
cx a, b;
majority a[0], a[1], a[2];
rot(pi/3, exp(1)) b;
layer(0.25) a[1], b[2];
measure a[0] -> flag[0];
if(flag==1) x b[0];
if(flag==1) reset a[1];
if(m==5) measure b[2] -> m[2];
reset b;
measure b -> m;
