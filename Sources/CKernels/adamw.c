// AdamW's element loop for AVX-512 and AVX2 CPUs: the same fp32 operations in the same order as the
// Swift loop of Shared/Optim/AdamW.swift, which documents the formulas and calls these where CPUFeatures
// says the unit is there. Every operation is correctly rounded per element (multiply, subtract, fused
// multiply-add, square root, divide), so eight or sixteen lanes at a time give the scalar loop's bits.
// Contraction stays off: a multiply and an add the compiler fused on its own would round once where
// the Swift loop rounds twice. The square root and the fused multiply-add are clang's element-wise
// builtins, which (unlike libm's sqrtf, bound to errno) the loop vectoriser may widen.
#include "kernels.h"
#include "targets.h"

#pragma clang fp contract(off)

#define ADAMW_LOOP(p, g, m, v, count, s)                                                                  \
    for (long i = 0; i < count; i++) {                                                                   \
        float grad = g[i] * s->gradient_scale;                                                           \
        float decayed = p[i] * s->decay_factor;                                                          \
        float m1 = __builtin_elementwise_fma(s->lerp_factor, grad - m[i], s->small_weight ? m[i] : grad); \
        float v1 = __builtin_elementwise_fma(s->one_minus_beta2 * grad, grad, v[i] * s->beta2);          \
        m[i] = m1;                                                                                       \
        v[i] = v1;                                                                                       \
        float denominator = __builtin_elementwise_sqrt(v1) / s->bias_correction2_root + s->epsilon;      \
        p[i] = decayed + (s->negative_step_size * m1) / denominator;                                     \
    }

AVX512 void bfpo_adamw_avx512(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s) {
    ADAMW_LOOP(p, g, m, v, count, s)
}

AVX2 void bfpo_adamw_avx2(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s) {
    ADAMW_LOOP(p, g, m, v, count, s)
}
