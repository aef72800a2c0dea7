// Element-wise kernels compiled for wider vector units than the baseline x86-64 the Swift code is built
// for (SSE2): GELU's forward and backward, whose exponential is the step's largest element-wise cost, and
// AdamW's update and the exact delta's byte planes, which stand between two synchronous steps. Each exists
// per instruction set; the Swift callers (Shared/Model/GELU.swift, Shared/Optim/AdamW.swift,
// Shared/Compression/XorDeltaFrame.swift) pick one at run time from CPUFeatures (`VectorUnit`), and keep
// their own Swift loops for CPUs with neither.
#ifndef BFPO_KERNELS_H
#define BFPO_KERNELS_H

#include <stdint.h>

/// y[i] = gelu_new(x[i]) for i < count (GPT-2's tanh form, computed as x·σ(2u)).
void bfpo_gelu_forward_avx512(const float *x, float *y, long count);
void bfpo_gelu_forward_avx2(const float *x, float *y, long count);

/// dx[i] = dy[i] · gelu_new'(x[i]) for i < count, with σ(2u) read back from the forward output y = x·σ(2u).
void bfpo_gelu_backward_avx512(const float *x, const float *y, const float *dy, float *dx, long count);
void bfpo_gelu_backward_avx2(const float *x, const float *y, const float *dy, float *dx, long count);

/// One AdamW step's per-element constants (Shared/Optim/AdamW.swift, `StepScalars`).
struct bfpo_adamw_scalars {
    float gradient_scale;
    /// 1 − lr·wd for decayed elements, 1 otherwise.
    float decay_factor;
    /// lerp's factor of (g − m): 1 − β1, or (1 − β1) − 1 when that weight is 0.5 or more.
    float lerp_factor;
    /// Nonzero: lerp adds to m (small weight); zero: to g.
    int small_weight;
    float beta2;
    float one_minus_beta2;
    float bias_correction2_root;
    float epsilon;
    float negative_step_size;
};

/// One AdamW step on p, m, v (count elements each, in place) with gradient g.
void bfpo_adamw_avx512(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s);
void bfpo_adamw_avx2(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s);

/// counts[p] = how many i < count have a nonzero byte p (bits 8p to 8p + 7) in a[i] ^ b[i].
void bfpo_xor_plane_counts_avx512(const uint32_t *a, const uint32_t *b, long count, long counts[4]);
void bfpo_xor_plane_counts_avx2(const uint32_t *a, const uint32_t *b, long count, long counts[4]);

/// out[i] = byte (a[i] ^ b[i]) >> shift for i < count.
void bfpo_xor_plane_raw_avx512(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *out);
void bfpo_xor_plane_raw_avx2(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *out);

/// The plane (a[i] ^ b[i]) >> shift as a bitmap of its nonzero bytes (bit i % 8 of bitmap[i / 8]) and those
/// bytes in order at values; writes one byte past the last value (room the caller leaves).
void bfpo_xor_plane_sparse_avx512(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *bitmap, uint8_t *values);
void bfpo_xor_plane_sparse_avx2(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *bitmap, uint8_t *values);

/// copy[i] ^= plane[i] << shift for i < count.
void bfpo_xor_apply_raw_avx512(uint32_t *copy, const uint8_t *plane, long count, int shift);
void bfpo_xor_apply_raw_avx2(uint32_t *copy, const uint8_t *plane, long count, int shift);

#endif
