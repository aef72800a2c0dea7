// AdamW's element loop for AVX-512 and AVX2 CPUs: the same fp32 operations in the same order as the
// Swift loop of Shared/Optim/AdamW.swift, which documents the formulas and calls these where CPUFeatures
// says the unit is there. Every operation is correctly rounded per element (multiply, subtract, fused
// multiply-add, square root, divide), so eight or sixteen lanes at a time give the scalar loop's bits.
// Contraction stays off: a multiply and an add the compiler fused on its own would round once where
// the Swift loop rounds twice.
#include "kernels.h"

#include <math.h>

#pragma clang fp contract(off)

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#else
#define AVX512
#define AVX2
#endif

// One element, for the tail the vectors leave. fmaf and sqrtf are correctly rounded, as the vector
// instructions are.
static inline void adamw_element(float *p, const float *g, float *m, float *v, const struct bfpo_adamw_scalars *s) {
    float grad = *g * s->gradient_scale;
    float decayed = *p * s->decay_factor;
    float m1 = fmaf(s->lerp_factor, grad - *m, s->small_weight ? *m : grad);
    float v1 = fmaf(s->one_minus_beta2 * grad, grad, *v * s->beta2);
    *m = m1;
    *v = v1;
    float denominator = sqrtf(v1) / s->bias_correction2_root + s->epsilon;
    *p = decayed + (s->negative_step_size * m1) / denominator;
}

#if defined(__x86_64__)

AVX512
void bfpo_adamw_avx512(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s) {
    const __m512 scale = _mm512_set1_ps(s->gradient_scale), decay = _mm512_set1_ps(s->decay_factor);
    const __m512 lerp = _mm512_set1_ps(s->lerp_factor), beta2 = _mm512_set1_ps(s->beta2);
    const __m512 one_minus_beta2 = _mm512_set1_ps(s->one_minus_beta2), root = _mm512_set1_ps(s->bias_correction2_root);
    const __m512 epsilon = _mm512_set1_ps(s->epsilon), step = _mm512_set1_ps(s->negative_step_size);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 grad = _mm512_mul_ps(_mm512_loadu_ps(g + i), scale);
        __m512 decayed = _mm512_mul_ps(_mm512_loadu_ps(p + i), decay);
        __m512 m0 = _mm512_loadu_ps(m + i);
        __m512 m1 = _mm512_fmadd_ps(lerp, _mm512_sub_ps(grad, m0), s->small_weight ? m0 : grad);
        __m512 v1 = _mm512_fmadd_ps(_mm512_mul_ps(one_minus_beta2, grad), grad, _mm512_mul_ps(_mm512_loadu_ps(v + i), beta2));
        _mm512_storeu_ps(m + i, m1);
        _mm512_storeu_ps(v + i, v1);
        __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(v1), root), epsilon);
        _mm512_storeu_ps(p + i, _mm512_add_ps(decayed, _mm512_div_ps(_mm512_mul_ps(step, m1), denominator)));
    }
    for (; i < count; i++) adamw_element(p + i, g + i, m + i, v + i, s);
}

AVX2
void bfpo_adamw_avx2(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s) {
    const __m256 scale = _mm256_set1_ps(s->gradient_scale), decay = _mm256_set1_ps(s->decay_factor);
    const __m256 lerp = _mm256_set1_ps(s->lerp_factor), beta2 = _mm256_set1_ps(s->beta2);
    const __m256 one_minus_beta2 = _mm256_set1_ps(s->one_minus_beta2), root = _mm256_set1_ps(s->bias_correction2_root);
    const __m256 epsilon = _mm256_set1_ps(s->epsilon), step = _mm256_set1_ps(s->negative_step_size);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 grad = _mm256_mul_ps(_mm256_loadu_ps(g + i), scale);
        __m256 decayed = _mm256_mul_ps(_mm256_loadu_ps(p + i), decay);
        __m256 m0 = _mm256_loadu_ps(m + i);
        __m256 m1 = _mm256_fmadd_ps(lerp, _mm256_sub_ps(grad, m0), s->small_weight ? m0 : grad);
        __m256 v1 = _mm256_fmadd_ps(_mm256_mul_ps(one_minus_beta2, grad), grad, _mm256_mul_ps(_mm256_loadu_ps(v + i), beta2));
        _mm256_storeu_ps(m + i, m1);
        _mm256_storeu_ps(v + i, v1);
        __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(v1), root), epsilon);
        _mm256_storeu_ps(p + i, _mm256_add_ps(decayed, _mm256_div_ps(_mm256_mul_ps(step, m1), denominator)));
    }
    for (; i < count; i++) adamw_element(p + i, g + i, m + i, v + i, s);
}

#else

// Never called elsewhere (CPUFeatures reports no x86 extension), but the symbols must link.
void bfpo_adamw_avx512(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s) {
    for (long i = 0; i < count; i++) adamw_element(p + i, g + i, m + i, v + i, s);
}

void bfpo_adamw_avx2(float *p, const float *g, float *m, float *v, long count, const struct bfpo_adamw_scalars *s) {
    for (long i = 0; i < count; i++) adamw_element(p + i, g + i, m + i, v + i, s);
}

#endif
