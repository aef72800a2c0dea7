import Testing
@testable import Shared

/// Two shards with gradients (3, 0) and (4, 12): Σg² = 9 and 16 + 144 = 160, the global norm √169 = 13;
/// with max norm 1 every gradient is scaled by 1/(13 + 1e-6).
@Test func globalNormAcrossShardsAndClipCoefficient() {
    let shardA = FloatBuffer([3, 0]), shardB = FloatBuffer([4, 12])
    let sums = [GradientClipping.sumOfSquares(shardA.pointer, count: 2), GradientClipping.sumOfSquares(UnsafeBufferPointer(shardB.buffer))]
    #expect(sums == [9, 160])
    let norm = GradientClipping.globalNorm(sumsOfSquares: sums)
    #expect(norm == 13)
    #expect(GradientClipping.coefficient(totalNorm: norm, maxNorm: 1) == 1 / (13 + 1e-6))
    // 13 < 20: the coefficient 20/13.000001 exceeds 1 and is clamped to 1.
    #expect(GradientClipping.coefficient(totalNorm: norm, maxNorm: 20) == 1)
    // A max norm of 0 means no clipping, as in HF Trainer.
    #expect(GradientClipping.coefficient(totalNorm: norm, maxNorm: 0) == 1)
}

/// The sum of squares does not depend on where shards split, and uses every element, including those
/// after the last group of four.
@Test func sumOfSquaresIsSplitIndependent() {
    let values = FloatBuffer((0..<11).map { Float($0) - 5 })  // −5 … 5: Σ = 2·(1 + 4 + 9 + 16 + 25) = 110
    #expect(GradientClipping.sumOfSquares(values.pointer, count: 11) == 110)
    let split = GradientClipping.sumOfSquares(values.pointer, count: 6) + GradientClipping.sumOfSquares(values.pointer + 6, count: 5)
    #expect(split == 110)
}
