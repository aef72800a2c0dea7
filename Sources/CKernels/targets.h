// The instruction sets each kernel is compiled for, as function attributes: one definition per kernel and
// unit, chosen at run time by the Swift caller (`VectorUnit`). Private to CKernels.
#ifndef BFPO_TARGETS_H
#define BFPO_TARGETS_H

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#else
// Never called elsewhere (CPUFeatures reports no x86 extension), but the symbols must link.
#define AVX512
#define AVX2
#endif

#endif
