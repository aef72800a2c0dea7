// GELU (gelu_new) forward and backward for AVX-512 and AVX2 CPUs; the formulas and their derivation are
// in Shared/Model/GELU.swift, which calls these only where CPUFeatures says the unit and the operating
// system's register state are there. Loops are plain so the compiler vectorises them for each target.
#include "kernels.h"
#include "targets.h"

#include <stdint.h>
#include <string.h>

static const float k = 0.7978845608028654f;  // √(2/π)
static const float c = 0.044715f;

// eˣ as VectorMath.exp computes it (Cephes expf: x = n·ln2 + r, a degree-7 polynomial for eʳ, 2ⁿ built in
// the exponent bits), inputs clamped to [−87.3, 88] so the bit arithmetic never overflows.
static inline float vector_exp(float x) {
    float clamped = x < -87.33654f ? -87.33654f : (x > 88.0f ? 88.0f : x);
    float shifted = clamped * 1.44269504f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = clamped - n * 0.693359375f + n * 2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    int32_t exponent = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &exponent, sizeof scale);
    return p * scale;
}

static inline float gelu(float x) {
    return x / (1.0f + vector_exp(-2.0f * k * (x + c * x * x * x)));
}

static inline float gelu_gradient(float x, float y, float dy) {
    float s = (x < 1e-30f && x > -1e-30f) ? 0.5f : y / x;
    return dy * (s + 2.0f * x * (s * (1.0f - s)) * k * (1.0f + 3.0f * c * x * x));
}

AVX512
void bfpo_gelu_forward_avx512(const float *x, float *y, long count) {
    for (long i = 0; i < count; i++) y[i] = gelu(x[i]);
}

AVX2
void bfpo_gelu_forward_avx2(const float *x, float *y, long count) {
    for (long i = 0; i < count; i++) y[i] = gelu(x[i]);
}

AVX512
void bfpo_gelu_backward_avx512(const float *x, const float *y, const float *dy, float *dx, long count) {
    for (long i = 0; i < count; i++) dx[i] = gelu_gradient(x[i], y[i], dy[i]);
}

AVX2
void bfpo_gelu_backward_avx2(const float *x, const float *y, const float *dy, float *dx, long count) {
    for (long i = 0; i < count; i++) dx[i] = gelu_gradient(x[i], y[i], dy[i]);
}
