import Foundation
import Testing
@testable import Shared

/// Relative error of VectorMath.exp against Double-precision exp, in units of Float's epsilon at 1.
@Test func exponentialIsWithinTwoUlpsOverItsRange() {
    var worst = 0.0
    var x: Float = -87
    while x < 88 {
        let exact = Foundation.exp(Double(x))
        worst = max(worst, abs(Double(VectorMath.exp(x)) - exact) / exact)
        x += 0.0137
    }
    #expect(worst < 2.5 * Double(Float.ulpOfOne), "worst relative error \(worst)")
    #expect(VectorMath.exp(0) == 1)
    #expect(VectorMath.exp(1) == Float(M_E))
}

@Test func exponentialClampsAndPassesNaN() {
    let floor = VectorMath.exp(-87.33654)
    #expect(floor.isNormal && floor < 1.2e-38)
    #expect(VectorMath.exp(-1000) == floor)
    #expect(VectorMath.exp(-.infinity) == floor)
    #expect(abs(VectorMath.exp(1000) / Float(Foundation.exp(88.0)) - 1) < 1e-6)
    #expect(VectorMath.exp(.nan).isNaN)
}

/// Counts around the SIMD width exercise both the vector body and the scalar tail.
@Test(arguments: [0, 1, 7, 8, 9, 16, 61])
func reductionsAgreeWithPlainLoops(count: Int) {
    let a = (0..<count).map { Float(($0 * 37) % 11) - 4.5 }
    let b = (0..<count).map { Float(($0 * 13) % 7) * 0.25 }
    let sum = VectorMath.sum(a, count: count)
    let dot = VectorMath.dot(a, b, count: count)
    #expect(sum == a.reduce(0, +))    // small integers and halves: every order sums exactly
    #expect(dot == zip(a, b).reduce(0) { $0 + $1.0 * $1.1 })
    #expect(VectorMath.max(a, count: count) == (a.max() ?? -.infinity))
    // Deviations from 0.5 of halves are whole numbers and quarters: these sums are exact in any order too.
    #expect(VectorMath.squaredDeviations(a, count: count, from: 0.5) == a.reduce(0) { $0 + ($1 - 0.5) * ($1 - 0.5) })
    #expect(VectorMath.dot(a, b, deviations: a, count: count, from: 0.5)
        == zip(a, b).reduce(0) { $0 + $1.0 * $1.1 * ($1.0 - 0.5) })
}

@Test func exponentiateReplacesValuesAndReturnsTheirSum() {
    var values: [Float] = [0, 1, 2, -3, 0.5, 4, 4, -10, 3]
    let original = values
    let total = VectorMath.exponentiate(&values, count: values.count, shift: 4)
    for (value, x) in zip(values, original) {
        #expect(abs(Double(value) - Foundation.exp(Double(x - 4))) <= 2e-7 * Foundation.exp(Double(x - 4)))
    }
    #expect(abs(Double(total) - original.reduce(0) { $0 + Foundation.exp(Double($1 - 4)) }) < 1e-6)
}
