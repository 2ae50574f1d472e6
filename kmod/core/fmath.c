// SPDX-License-Identifier: GPL-2.0
/*
 * fmath.c - portable sin/cos, exp and sqrt for the simulator (no libm).
 *
 * sin and cos: x = k * pi/2 + r with |r| <= pi/4 carried as a double-double
 * (r, rt), then Taylor polynomials of sin and cos on [-pi/4, pi/4] (the
 * truncation error of the degree 17 and 16 polynomials is below 1e-19
 * there) and the quadrant k mod 4 selects and signs them.
 *
 * Range reduction:
 *  - |x| < 1.6e6 (k < 2^20): Cody-Waite with pi/2 = P1 + P2 + P3 + P3T,
 *    P1..P3 holding 33 significant bits each so that k * Pi is exact; the
 *    subtractions are done with error-free transformations, which keeps
 *    ~150 bits of pi/2 and so full accuracy even next to multiples of pi/2.
 *  - larger |x|: Payne-Hanek. x = m * 2^e exactly (m a 53-bit integer);
 *    x * 2/pi mod 4 only needs the 192 bits of 2/pi starting two places
 *    above 2^-e (higher bits contribute multiples of 4), multiplied by m in
 *    integer arithmetic; the fraction comes out with ~128 bits.
 */
#include "port.h"
#include "fmath.h"

union qc_dbl {
	double d;
	u64 u;
};

static inline u64 qc_dbits(double x)
{
	union qc_dbl v = { .d = x };

	return v.u;
}

static inline double qc_bitsd(u64 u)
{
	union qc_dbl v = { .u = u };

	return v.d;
}

/* 2^e for -1022 <= e <= 1023 */
static inline double qc_pow2(int e)
{
	return qc_bitsd((u64)(e + 1023) << 52);
}

bool qc_isfinite(double x)
{
	return ((qc_dbits(x) >> 52) & 0x7ff) != 0x7ff;
}

/* pi/2 in four parts; P1..P3 have 33 significant bits */
#define QC_P1		0x1.921fb54400000p+0
#define QC_P2		0x1.0b4611a600000p-34
#define QC_P3		0x1.3198a2e000000p-69
#define QC_P3T		0x1.b839a252049c1p-104
/* pi/2 as a double-double, and 2/pi, pi/4 */
#define QC_PIO2_H	0x1.921fb54442d18p+0
#define QC_PIO2_L	0x1.1a62633145c07p-54
#define QC_INV_PIO2	0x1.45f306dc9c883p-1
#define QC_PIO4		0x1.921fb54442d18p-1
/* above this |x| the Cody-Waite multiple k could exceed 2^20 */
#define QC_MEDIUM_MAX	1.6e6

/* Taylor coefficients (-1)^j / (2j+1)! and (-1)^j / (2j)! */
#define QC_S3		-0x1.5555555555555p-3
#define QC_S5		0x1.1111111111111p-7
#define QC_S7		-0x1.a01a01a01a01ap-13
#define QC_S9		0x1.71de3a556c734p-19
#define QC_S11		-0x1.ae64567f544e4p-26
#define QC_S13		0x1.6124613a86d09p-33
#define QC_S15		-0x1.ae7f3e733b81fp-41
#define QC_S17		0x1.952c77030ad4ap-49
#define QC_C4		0x1.5555555555555p-5
#define QC_C6		-0x1.6c16c16c16c17p-10
#define QC_C8		0x1.a01a01a01a01ap-16
#define QC_C10		-0x1.27e4fb7789f5cp-22
#define QC_C12		0x1.1eed8eff8d898p-29
#define QC_C14		-0x1.93974a8c07c9dp-37
#define QC_C16		0x1.ae7f3e733b81fp-45

/* The first 1280 bits of 2/pi after the binary point, most significant first. */
static const u64 qc_two_over_pi[20] = {
	0xa2f9836e4e441529ULL, 0xfc2757d1f534ddc0ULL,
	0xdb6295993c439041ULL, 0xfe5163abdebbc561ULL,
	0xb7246e3a424dd2e0ULL, 0x06492eea09d1921cULL,
	0xfe1deb1cb129a73eULL, 0xe88235f52ebb4484ULL,
	0xe99c7026b45f7e41ULL, 0x3991d639835339f4ULL,
	0x9c845f8bbdf9283bULL, 0x1ff897ffde05980fULL,
	0xef2f118b5a0a6d1fULL, 0x6d367ecf27cb09b7ULL,
	0x4f463f669e5fea2dULL, 0x7527bac7ebe5f17bULL,
	0x3d0739f78a5292eaULL, 0x6bfb5fb11f8d5d08ULL,
	0x56033046fc7b6babULL, 0xf0cfbc209af4361dULL,
};

/* s + e == a + b exactly */
static inline void qc_two_sum(double a, double b, double *s, double *e)
{
	double x = a + b;
	double bb = x - a;

	*e = (a - (x - bb)) + (b - bb);
	*s = x;
}

/* s + e == a + b exactly, given |a| >= |b| (or a == 0) */
static inline void qc_fast_two_sum(double a, double b, double *s, double *e)
{
	double x = a + b;

	*e = b - (x - a);
	*s = x;
}

/* Dekker: p + e == a * b exactly (no FMA needed) */
static inline void qc_two_prod(double a, double b, double *p, double *e)
{
	double ta = 134217729.0 * a, tb = 134217729.0 * b;
	double ah = ta - (ta - a), bh = tb - (tb - b);
	double al = a - ah, bl = b - bh;
	double x = a * b;

	*e = ((ah * bh - x) + ah * bl + al * bh) + al * bl;
	*p = x;
}

/* 64 x 64 -> 128-bit product */
static inline void qc_mul64(u64 a, u64 b, u64 *hi, u64 *lo)
{
	u64 al = a & 0xffffffffULL, ah = a >> 32;
	u64 bl = b & 0xffffffffULL, bh = b >> 32;
	u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	u64 mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);

	*lo = (mid << 32) | (ll & 0xffffffffULL);
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static inline u64 qc_2opi_word(int i)
{
	return i >= 0 && i < (int)ARRAY_SIZE(qc_two_over_pi) ? qc_two_over_pi[i] : 0;
}

/*
 * Bits b_pos .. b_pos+63 of 2/pi = sum b_j 2^-j, b_pos in the most
 * significant place; b_j is 0 for j < 1. @pos >= -1000.
 */
static u64 qc_2opi_bits(int pos)
{
	int t = pos - 1 + 1024;
	int idx = t / 64 - 16, sh = t % 64;
	u64 hi = qc_2opi_word(idx), lo = qc_2opi_word(idx + 1);

	return sh ? (hi << sh) | (lo >> (64 - sh)) : hi;
}

static int qc_clz64(u64 v)
{
	int n = 0;

	if (!v)
		return 64;
	while (!(v >> 63)) {
		v <<= 1;
		n++;
	}
	return n;
}

/* Payne-Hanek: ax = q * pi/2 + (rh + rl), |rh| <= pi/4; returns q mod 4 */
static unsigned int qc_reduce_large(double ax, double *rh, double *rl)
{
	u64 u = qc_dbits(ax);
	int e = (int)(u >> 52) - 1075;
	u64 m = (u & ((1ULL << 52) - 1)) | (1ULL << 52);
	u64 w0 = qc_2opi_bits(e - 1), w1 = qc_2opi_bits(e + 63);
	u64 w2 = qc_2opi_bits(e + 127);
	u64 h1, l1, h2, l2, l0, p1, p2, p3, fh, fl;
	unsigned int q;
	double ahi, alo, p, pe, lo;
	bool neg = false;
	int lz;

	/*
	 * m * W, W the 192-bit window b_{e-1} .. b_{e+190}: x * 2/pi mod 4 is
	 * that product times 2^-190, so bits 191..190 are the quadrant and
	 * bits 189..62 the fraction. Bits above 191 are dropped (mod 4), so
	 * only the low half of m * w0 matters.
	 */
	qc_mul64(m, w2, &h2, &l2);
	qc_mul64(m, w1, &h1, &l1);
	l0 = m * w0;
	p3 = l2;
	p2 = h2 + l1;
	p1 = h1 + l0 + (p2 < h2);
	q = (unsigned int)(p1 >> 62);
	fh = (p1 << 2) | (p2 >> 62);
	fl = (p2 << 2) | (p3 >> 62);

	if (fh >> 63) {		/* fraction >= 1/2: go to the next quadrant */
		q++;
		neg = true;
		fl = ~fl + 1;
		fh = ~fh + (fl == 0);
	}
	if (!fh && !fl) {
		*rh = 0.0;
		*rl = 0.0;
		return q & 3;
	}
	lz = fh ? qc_clz64(fh) : 64 + qc_clz64(fl);
	if (lz >= 64) {
		fh = fl << (lz - 64);
		fl = 0;
	} else if (lz) {
		fh = (fh << lz) | (fl >> (64 - lz));
		fl <<= lz;
	}
	/* fraction = fh:fl * 2^(-128 - lz), split into two doubles */
	ahi = (double)(fh >> 11) * qc_pow2(-53 - lz);
	alo = (double)(((fh & 0x7ff) << 53) | (fl >> 11)) * qc_pow2(-117 - lz);
	qc_two_prod(ahi, QC_PIO2_H, &p, &pe);
	lo = pe + (ahi * QC_PIO2_L + alo * QC_PIO2_H);
	qc_fast_two_sum(p, lo, rh, rl);
	if (neg) {
		*rh = -*rh;
		*rl = -*rl;
	}
	return q & 3;
}

/* Cody-Waite for ax < QC_MEDIUM_MAX; returns q mod 4 */
static unsigned int qc_reduce_medium(double ax, double *rh, double *rl)
{
	s64 k = (s64)(ax * QC_INV_PIO2 + 0.5);
	double kd = (double)k;
	double t = ax - kd * QC_P1;	/* exact: kd * P1 has <= 53 bits */
	double r, e, e2;

	qc_two_sum(t, -(kd * QC_P2), &r, &e);
	qc_two_sum(r, -(kd * QC_P3), &r, &e2);
	e = (e + e2) - kd * QC_P3T;
	qc_fast_two_sum(r, e, rh, rl);
	return (unsigned int)(k & 3);
}

/* sin and cos of r + rt, |r| <= ~pi/4, |rt| <= ulp(r) */
static void qc_sincos_kernel(double r, double rt, double *s, double *c)
{
	double z = r * r;
	double ps = QC_S3 + z * (QC_S5 + z * (QC_S7 + z * (QC_S9 + z * (QC_S11 +
		    z * (QC_S13 + z * (QC_S15 + z * QC_S17))))));
	double pc = QC_C4 + z * (QC_C6 + z * (QC_C8 + z * (QC_C10 + z * (QC_C12 +
		    z * (QC_C14 + z * QC_C16)))));
	double hz = 0.5 * z;
	double w = 1.0 - hz;

	/* sin(r + rt) ~ sin r + rt cos r; cos(r + rt) ~ cos r - rt sin r */
	*s = r + (r * z * ps + rt * (1.0 - hz));
	/* 1 - w is exact, so ((1 - w) - hz) is the rounding error of w */
	*c = w + (((1.0 - w) - hz) + (z * z * pc - r * rt));
}

void qc_sincos(double x, double *s, double *c)
{
	u64 u = qc_dbits(x);
	double ax = qc_bitsd(u & ~(1ULL << 63));
	double rh, rl, sr, cr, so, co;
	unsigned int q;

	if (((u >> 52) & 0x7ff) == 0x7ff) {
		*s = x - x;
		*c = x - x;
		return;
	}
	if (ax <= QC_PIO4) {
		rh = ax;
		rl = 0.0;
		q = 0;
	} else if (ax < QC_MEDIUM_MAX) {
		q = qc_reduce_medium(ax, &rh, &rl);
	} else {
		q = qc_reduce_large(ax, &rh, &rl);
	}
	qc_sincos_kernel(rh, rl, &sr, &cr);
	switch (q) {
	case 0:
		so = sr;
		co = cr;
		break;
	case 1:
		so = cr;
		co = -sr;
		break;
	case 2:
		so = -sr;
		co = -cr;
		break;
	default:
		so = -cr;
		co = sr;
		break;
	}
	*s = (u >> 63) ? -so : so;
	*c = co;
}

double qc_sqrt(double x)
{
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
	double r;

	asm("sqrtsd %1, %0" : "=x" (r) : "x" (x));
	return r;
#else
	double y, scale = 1.0;
	int i;

	if (!(x > 0.0) || !qc_isfinite(x))
		return x == 0.0 || x > 0.0 ? x : (x - x) / (x - x);
	if (x < 0x1p-1000) {
		x *= 0x1p200;
		scale = 0x1p-100;
	}
	/* halve the exponent for a start within a few percent, then Newton */
	y = qc_bitsd((qc_dbits(x) >> 1) + 0x1ff8000000000000ULL);
	for (i = 0; i < 6; i++)
		y = 0.5 * (y + x / y);
	return y * scale;
#endif
}

/* ln 2 = QC_LN2_HI + QC_LN2_LO; QC_LN2_HI has 32 significant bits */
#define QC_LN2_HI	0x1.62e42fee00000p-1
#define QC_LN2_LO	0x1.a39ef35793c76p-33
#define QC_INV_LN2	0x1.71547652b82fep+0
/* above this exp overflows; below QC_EXP_MIN it is below half the least subnormal */
#define QC_EXP_MAX	0x1.62e42fefa39efp+9
#define QC_EXP_MIN	-746.0

/*
 * exp: x = k ln 2 + r with |r| <= ln 2 / 2 (Cody-Waite, k ln2_hi exact for
 * |k| < 2^21), exp(r) = 1 + p(r) with p the degree 13 Taylor polynomial of
 * expm1 (the first omitted term is below 5e-18), then the exponent k is
 * added in one or two exact power-of-two scalings.
 */
double qc_exp(double x)
{
	static const double inv_fact[] = {
		0x1.0000000000000p-1, 0x1.5555555555555p-3, 0x1.5555555555555p-5,
		0x1.1111111111111p-7, 0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-13,
		0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19, 0x1.27e4fb7789f5cp-22,
		0x1.ae64567f544e4p-26, 0x1.1eed8eff8d898p-29, 0x1.6124613a86d09p-33,
	};
	double r, p, y;
	int k, i;

	if (x != x)
		return x;
	if (x == 0.0)
		return 1.0;
	if (x > QC_EXP_MAX)
		return qc_bitsd(0x7ff0000000000000ULL);
	if (x < QC_EXP_MIN)
		return 0.0;
	k = (int)(x * QC_INV_LN2 + (x < 0.0 ? -0.5 : 0.5));
	r = (x - k * QC_LN2_HI) - k * QC_LN2_LO;
	/* p = r + r^2 (1/2! + r (1/3! + ... + r / 13!)) */
	p = inv_fact[ARRAY_SIZE(inv_fact) - 1];
	for (i = (int)ARRAY_SIZE(inv_fact) - 2; i >= 0; i--)
		p = inv_fact[i] + r * p;
	y = 1.0 + (r + r * r * p);
	if (k > 1023)
		return y * 2.0 * qc_pow2(k - 1);
	if (k < -1021)
		return y * qc_pow2(k + 64) * 0x1p-64;
	return y * qc_pow2(k);
}
