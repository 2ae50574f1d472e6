/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fmath.h - the few elementary functions the simulator needs, written in
 * portable C (no libm, usable in the kernel between kernel_fpu_begin() and
 * kernel_fpu_end()). The same code runs on the host and in the kernel, so
 * both compute bit-identical results.
 */
#ifndef QPU_CORE_FMATH_H
#define QPU_CORE_FMATH_H

#include "port.h"

/**
 * qc_sincos() - sine and cosine of @x
 * @x: angle in radians, any double
 * @s: out: sin(@x)
 * @c: out: cos(@x)
 *
 * Accurate to about one unit in the last place for every finite @x: the
 * argument is reduced modulo pi/2 with a three-part Cody-Waite constant for
 * |x| < 1.6e6 and with the bits of 2/pi (Payne-Hanek) above, then sin and
 * cos of the reduced argument come from their Taylor polynomials on
 * [-pi/4, pi/4]. A NaN or infinite @x gives NaN for both.
 */
void qc_sincos(double x, double *s, double *c);

/**
 * qc_sqrt() - square root of @x, correctly rounded on x86 (SSE2 sqrtsd);
 *	NaN for a negative @x
 * @x: the operand
 * Return: sqrt(@x).
 */
double qc_sqrt(double x);

/**
 * qc_exp() - e to the power @x
 * @x: any double
 *
 * Within about one unit in the last place of libm's exp() for every @x
 * (Cody-Waite reduction by ln 2, a degree 13 polynomial); exactly 1 for a
 * zero @x, +0 below -746 and for -inf, +inf above 709.78, NaN for NaN.
 * Return: exp(@x).
 */
double qc_exp(double x);

/**
 * qc_isfinite() - whether @x is neither infinite nor NaN (bit test)
 * @x: the value
 * Return: true if finite.
 */
bool qc_isfinite(double x);

#endif /* QPU_CORE_FMATH_H */
