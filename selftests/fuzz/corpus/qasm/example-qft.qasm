// qft.qasm - the 4-qubit quantum Fourier transform on a basis state.
//
// Qubit q[0] is the least significant bit, and so is c[0]. The QFT maps
// |x> to 1/4 * sum_y exp(2*pi*i*x*y/16) |y>; it is written with H,
// controlled-phase (cp) gates and the final swaps that restore the bit
// order. Measured right after one QFT, a basis state gives all 16
// outcomes with probability 1/16 each: the information is in the phases.
// To make those phases visible the QFT is applied twice: QFT^2 maps |x>
// to |-x mod 16>, which only happens if every cp angle and swap is right.
//
// Input: x = 5 (q[0] and q[2] set).
// Expected outcome: 11 (binary 1011: c[3]=1 c[2]=0 c[1]=1 c[0]=1) in every
// shot. Remove the second "qft4" line to see the uniform distribution.
OPENQASM 2.0;
include "qelib1.inc";

gate qft4 a, b, c, d
{
	h d;
	cp(pi/2) c, d;
	cp(pi/4) b, d;
	cp(pi/8) a, d;
	h c;
	cp(pi/2) b, c;
	cp(pi/4) a, c;
	h b;
	cp(pi/2) a, b;
	h a;
	swap a, d;
	swap b, c;
}

qreg q[4];
creg c[4];

// |x> = |5> = |0101>
x q[0];
x q[2];

qft4 q[0], q[1], q[2], q[3];
qft4 q[0], q[1], q[2], q[3];

measure q -> c;
