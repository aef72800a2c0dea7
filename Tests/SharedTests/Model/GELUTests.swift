import Foundation
import Testing
@testable import Shared

/// Every code path of GELU this CPU can run (AVX-512, AVX2, the Swift loop) against gelu_new's tanh form
/// and its derivative in Double.
struct GELUTests {
    @Test(arguments: VectorUnit.available)
    func forwardAndBackwardMatchTheTanhFormInDouble(unit: VectorUnit) {
        // Both signs, around 0 (including 0 and a denormal), the curved middle, and the flat tails; 77
        // values so that vector bodies and scalar tails both run.
        let inputs: [Float] = [0, 1e-40, -1e-40, 1e-20] + (0..<73).map { Float($0 - 36) * 0.25 + 0.01 }
        let upstream = inputs.indices.map { Float(($0 % 5) - 2) * 0.5 + 0.25 }
        var outputs = [Float](repeating: 0, count: inputs.count), gradients = outputs
        GELU.forward(out: &outputs, input: inputs, count: inputs.count, pool: ComputePool(threads: 1), unit: unit)
        GELU.backward(dInput: &gradients, input: inputs, output: outputs, dOut: upstream, count: inputs.count, pool: ComputePool(threads: 1), unit: unit)
        let k = (2.0 / Double.pi).squareRoot(), c = 0.044715
        var worst = (value: 0.0, gradient: 0.0)
        for (i, x32) in inputs.enumerated() {
            let x = Double(x32)
            let t = tanh(k * (x + c * x * x * x))
            let value = 0.5 * x * (1 + t)
            let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
            let valueError = abs(Double(outputs[i]) - value) / max(1, abs(value))
            let gradientError = abs(Double(gradients[i]) - Double(upstream[i]) * derivative) / max(1, abs(derivative))
            worst = (max(worst.value, valueError), max(worst.gradient, gradientError))
            // fp32 with a 2-ulp exponential: 1e-6 for values; the derivative reads σ back as y/x, whose
            // 1 − s loses digits where s is near 1 (x of 3 to 9), so 1e-5 there.
            #expect(valueError < 1e-6, "\(unit) gelu(\(x32)) = \(outputs[i]), expected \(value)")
            #expect(gradientError < 1e-5, "\(unit) gelu'(\(x32)) · \(upstream[i]) = \(gradients[i])")
        }
        print("GELU \(unit): worst relative error \(worst.value) (value), \(worst.gradient) (gradient)")
    }
}
