// Element-wise kernels of the model compiled for wider vector units than the baseline x86-64 the Swift
// code is built for (SSE2): GELU's forward and backward, whose exponential is the step's largest
// element-wise cost. Each exists per instruction set; Shared/Model/GELU.swift picks one at run time from
// CPUFeatures, and keeps its own Swift loop for CPUs with neither.
#ifndef BFPO_KERNELS_H
#define BFPO_KERNELS_H

/// y[i] = gelu_new(x[i]) for i < count (GPT-2's tanh form, computed as x·σ(2u)).
void bfpo_gelu_forward_avx512(const float *x, float *y, long count);
void bfpo_gelu_forward_avx2(const float *x, float *y, long count);

/// dx[i] = dy[i] · gelu_new'(x[i]) for i < count, with σ(2u) read back from the forward output y = x·σ(2u).
void bfpo_gelu_backward_avx512(const float *x, const float *y, const float *dy, float *dx, long count);
void bfpo_gelu_backward_avx2(const float *x, const float *y, const float *dy, float *dx, long count);

#endif
