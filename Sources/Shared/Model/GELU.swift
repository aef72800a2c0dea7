import Foundation

/// GPT-2's `gelu_new`, the tanh approximation of GELU, forward and backward side by side.
///
///     y  = ½x(1 + tanh u),   u = k(x + 0.044715x³),   k = √(2/π)
///     y' = ½(1 + tanh u) + ½x(1 − tanh²u) · k(1 + 3·0.044715x²)
enum GELU {
    static let k = Float((2.0 / Double.pi).squareRoot())
    static let c: Float = 0.044715

    static func forward(out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = input[i]
            out[i] = 0.5 * x * (1 + tanh(k * (x + c * x * x * x)))
        }
    }

    /// Writes `dInput` (overwrites) from the upstream gradient and the stored pre-activation.
    static func backward(dInput: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, dOut: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = input[i]
            let t = tanh(k * (x + c * x * x * x))
            let dydx = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
            dInput[i] = dOut[i] * dydx
        }
    }
}
