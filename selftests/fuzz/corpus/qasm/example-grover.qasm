// grover.qasm - Grover search over 3 qubits (8 states) for the marked
// state |101> (the number 5; q[0] is the least significant bit).
//
// After H on every qubit, each Grover iteration applies the oracle (a
// phase flip of |101> only: X on q[1], a doubly controlled Z built from
// H and ccx, X again) and the diffusion operator (inversion about the
// mean). For 8 states the best number of iterations is 2.
//
// Expected outcome: 101 (5) in about 94.5% of the shots (exactly
// (11/(8*sqrt(2)))^2 = 0.9453); each of the 7 other outcomes about 0.8%.
OPENQASM 2.0;
include "qelib1.inc";

// Phase flip of |101>.
gate oracle a, b, c
{
	x b;
	h c;
	ccx a, b, c;
	h c;
	x b;
}

// 2|s><s| - 1, with |s> the uniform superposition.
gate diffuse a, b, c
{
	h a; h b; h c;
	x a; x b; x c;
	h c;
	ccx a, b, c;
	h c;
	x a; x b; x c;
	h a; h b; h c;
}

qreg q[3];
creg c[3];

h q;

oracle q[0], q[1], q[2];
diffuse q[0], q[1], q[2];

oracle q[0], q[1], q[2];
diffuse q[0], q[1], q[2];

measure q -> c;
