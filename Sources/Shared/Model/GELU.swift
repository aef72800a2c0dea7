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
enum GELU {
    static let k = Float((2.0 / Double.pi).squareRoot())
    static let c: Float = 0.044715

    static func forward(out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int, pool: ComputePool) {
        pool.forEachRange(count, alignment: 16) { range in
            for i in range {
                let x = input[i]
                let e = VectorMath.exp(-2 * k * (x + c * x * x * x))
                out[i] = x / (1 + e)
            }
        }
    }

    /// Writes `dInput` (overwrites) from the upstream gradient, the stored pre-activation and output.
    static func backward(
        dInput: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        dOut: UnsafePointer<Float>, count: Int, pool: ComputePool
    ) {
        pool.forEachRange(count, alignment: 16) { range in
            for i in range {
                let x = input[i]
                let s = abs(x) < 1e-30 ? 0.5 : output[i] / x
                let dydx = s + 2 * x * (s * (1 - s)) * k * (1 + 3 * c * x * x)
                dInput[i] = dOut[i] * dydx
            }
        }
    }
}
