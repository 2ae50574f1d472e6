// ansatz.qasm - a hardware-efficient variational ansatz on 4 qubits.
//
// Uses libqpu's extension "param NAME[N];": theta[0] .. theta[7] are the
// circuit's runtime parameter slots 0..7. The circuit is parsed and loaded
// once; an optimizer then runs it with new parameter vectors. Each angle
// must stay affine in one parameter (scale * theta[i] + offset), like the
// "2*theta[3]" of the first layer.
//
// Layer 1: RY rotations, then a ladder of CX gates that entangles them.
// Layer 2: RZ rotations between H gates (H RZ(a) H is an X rotation by a,
// the form devices with virtual Z gates execute cheaply).
// Every qubit is measured; c[i] holds q[i], c[0] the least significant bit.
//
// Expected outcome, for a few parameter vectors (unlisted entries are 0;
// outcomes written c[3] c[2] c[1] c[0]):
//   theta = 0                         -> 0000 in every shot
//   theta[0] = pi/2                   -> 0000 and 1111, half each (GHZ)
//   theta[0] = pi                     -> 1111 in every shot
//   theta[3] = pi/2                   -> 1000 in every shot
//   theta[4] = ... = theta[7] = pi    -> 1111 in every shot
//   theta[4] = pi/2                   -> 0000 and 0001, half each
OPENQASM 2.0;
include "qelib1.inc";

param theta[8];

qreg q[4];
creg c[4];

// Layer 1
ry(theta[0]) q[0];
ry(theta[1]) q[1];
ry(theta[2]) q[2];
ry(2*theta[3]) q[3];
cx q[0], q[1];
cx q[1], q[2];
cx q[2], q[3];

// Layer 2
h q;
rz(theta[4]) q[0];
rz(theta[5]) q[1];
rz(theta[6]) q[2];
rz(theta[7]) q[3];
h q;

measure q -> c;
