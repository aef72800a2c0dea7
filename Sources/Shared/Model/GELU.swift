/// GPT-2's `gelu_new`, the tanh approximation of GELU, forward and backward side by side.
///
///     y  = ½x(1 + tanh u),   u = k(x + 0.044715x³),   k = √(2/π)
///
/// computed through the identity ½(1 + tanh u) = σ(2u) = 1 / (1 + e^(−2u)), which needs one
/// vectorisable exponential instead of a libm `tanhf` per element (BENCHMARKS.md):
///
///     y  = x·s,   s = σ(2u)
///     y' = s + x · 2s(1 − s) · k(1 + 3·0.044715x²),   with 1 − s = e^(−2u)·s (no cancellation)
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

    /// Writes `dInput` (overwrites) from the upstream gradient and the stored pre-activation.
    static func backward(
        dInput: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, dOut: UnsafePointer<Float>, count: Int, pool: ComputePool
    ) {
        pool.forEachRange(count, alignment: 16) { range in
            for i in range {
                let x = input[i]
                let e = VectorMath.exp(-2 * k * (x + c * x * x * x))
                let s = 1 / (1 + e)
                let dydx = s + 2 * x * (e * s * s) * k * (1 + 3 * c * x * x)
                dInput[i] = dOut[i] * dydx
            }
        }
    }
}
