import CKernels

/// GPT-2's `gelu_new`, the tanh approximation of GELU, forward and backward side by side.
///
///     y  = ½x(1 + tanh u),   u = k(x + 0.044715x³),   k = √(2/π)
///
/// computed through the identity ½(1 + tanh u) = σ(2u) = 1 / (1 + e^(−2u)), which needs one
/// vectorisable exponential instead of a libm `tanhf` per element (BENCHMARKS.md):
///
///     y  = x·s,   s = σ(2u)
///     y' = s + x · 2s(1 − s) · k(1 + 3·0.044715x²)
///
/// The backward pass reads s back from the stored output as y/x instead of a second exponential (where
/// |x| < 1e-30 the quotient would lose digits, and s = ½ to float precision there).
///
/// Where the CPU has AVX-512 or AVX2 the loops run in `CKernels` (the same formulas, compiled for that
/// unit; `VectorUnit`).
enum GELU {
    static let k = Float((2.0 / Double.pi).squareRoot())
    static let c: Float = 0.044715

    static func forward(
        out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int, pool: ComputePool, unit: VectorUnit = .best
    ) {
        pool.forEachRange(count, alignment: 16) { range in
            let x = input + range.lowerBound, y = out + range.lowerBound, n = range.count
            switch unit {
            case .avx512: bfpo_gelu_forward_avx512(x, y, n)
            case .avx2: bfpo_gelu_forward_avx2(x, y, n)
            case .baseline:
                for i in 0..<n {
                    let e = VectorMath.exp(-2 * k * (x[i] + c * x[i] * x[i] * x[i]))
                    y[i] = x[i] / (1 + e)
                }
            }
        }
    }

    /// Writes `dInput` (overwrites) from the upstream gradient, the stored pre-activation and output.
    static func backward(
        dInput: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        dOut: UnsafePointer<Float>, count: Int, pool: ComputePool, unit: VectorUnit = .best
    ) {
        pool.forEachRange(count, alignment: 16) { range in
            let x = input + range.lowerBound, y = output + range.lowerBound, n = range.count
            let dy = dOut + range.lowerBound, dx = dInput + range.lowerBound
            switch unit {
            case .avx512: bfpo_gelu_backward_avx512(x, y, dy, dx, n)
            case .avx2: bfpo_gelu_backward_avx2(x, y, dy, dx, n)
            case .baseline:
                for i in 0..<n {
                    let s = abs(x[i]) < 1e-30 ? 0.5 : y[i] / x[i]
                    dx[i] = dy[i] * (s + 2 * x[i] * (s * (1 - s)) * k * (1 + 3 * c * x[i] * x[i]))
                }
            }
        }
    }
}
