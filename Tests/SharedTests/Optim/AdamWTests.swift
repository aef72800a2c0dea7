import Testing
@testable import Shared

/// Distance in units in the last place between two finite floats of the same sign.
private func ulps(_ a: Float, _ b: Float) -> Int {
    Int(a.bitPattern) - Int(b.bitPattern)
}

/// Two AdamW steps on three elements — two weights that decay and a bias that does not — against values
/// computed by hand in exact decimal arithmetic (rounded at the end), with β1 = 0.9, β2 = 0.999,
/// ε = 1e-8, weight decay 0.1 and learning rates 0.01 then 0.005. torch.optim.AdamW, given the same
/// gradients with the bias in a `weight_decay=0` group, gives exactly `Float` of these values.
@Test func twoStepsMatchHandComputedValuesWithDecayOnWeightsOnly() {
    let hyper = AdamW.Hyperparameters(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1)
    let p = FloatBuffer([1.0, -2.0, 0.5])
    let m = FloatBuffer(count: 3), v = FloatBuffer(count: 3)
    let decay = [0..<2]  // elements 0 and 1 are weights; element 2 is a bias

    // Step 1: t = 1, lr = 0.01, g = (0.5, −1, 0.2).
    //   bias corrections 1 − 0.9 = 0.1 and 1 − 0.999 = 0.001, √0.001 = 0.0316227766; step size 0.01/0.1 = 0.1
    //   e0: p = 1·(1 − 0.01·0.1) = 0.999;  m = 0.1·0.5 = 0.05;  v = 0.001·0.25 = 0.00025
    //       denom = √0.00025/√0.001 + 1e-8 = 0.5 + 1e-8;  p = 0.999 − 0.1·0.05/0.50000001 = 0.9890000002
    //   e1: p = −2·0.999 = −1.998;  m = −0.1;  v = 0.001;  denom = 1.00000001;  p = −1.998 + 0.0099999999 = −1.9880000001
    //   e2: (no decay) m = 0.02;  v = 0.00004;  denom = 0.20000001;  p = 0.5 − 0.1·0.02/0.20000001 = 0.4900000005
    let g1 = FloatBuffer([0.5, -1.0, 0.2])
    AdamW.update(parameters: p.pointer, gradients: g1.pointer, firstMoment: m.pointer, secondMoment: v.pointer,
                 count: 3, decayRanges: decay, step: 1, learningRate: 0.01, hyperparameters: hyper)
    let afterOne: [Double] = [0.9890000002, -1.9880000001, 0.4900000005]

    // Step 2: t = 2, lr = 0.005, g = (−0.25, 0, 0.4).
    //   bias corrections 1 − 0.81 = 0.19 and 1 − 0.998001 = 0.001999, √0.001999 = 0.0447101778;
    //   step size 0.005/0.19 = 0.0263157895; decay factor 1 − 0.005·0.1 = 0.9995
    //   e0: p = 0.9890000002·0.9995 = 0.9885055002;  m = 0.9·0.05 + 0.1·(−0.25) = 0.02
    //       v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225;  denom = 0.0176706536/0.0447101778 + 1e-8 = 0.3952253907
    //       p = 0.9885055002 − 0.0263157895·0.02/0.3952253907 = 0.9871738150
    //   e1: p = −1.9880000001·0.9995 = −1.9870060001;  m = −0.09;  v = 0.000999;  denom = 0.7069299039
    //       p = −1.9870060001 + 0.0263157895·0.09/0.7069299039 = −1.9836557089
    //   e2: (no decay) m = 0.9·0.02 + 0.1·0.4 = 0.058;  v = 0.999·0.00004 + 0.001·0.16 = 0.00019996
    //       denom = 0.0141407213/0.0447101778 + 1e-8 = 0.3162752304;  p = 0.49 − 0.0263157895·0.058/0.3162752304 = 0.4851740905
    let g2 = FloatBuffer([-0.25, 0.0, 0.4])
    let afterOneValues = p.array
    AdamW.update(parameters: p.pointer, gradients: g2.pointer, firstMoment: m.pointer, secondMoment: v.pointer,
                 count: 3, decayRanges: decay, step: 2, learningRate: 0.005, hyperparameters: hyper)
    let afterTwo: [Double] = [0.9871738150352923, -1.9836557088766595, 0.48517409052347693]
    let moments: [(Double, Double)] = [(0.02, 0.00031225), (-0.09, 0.000999), (0.058, 0.00019996)]

    var worst = 0
    for i in 0..<3 {
        worst = max(worst, abs(ulps(afterOneValues[i], Float(afterOne[i]))), abs(ulps(p[i], Float(afterTwo[i]))))
        worst = max(worst, abs(ulps(m[i], Float(moments[i].0))), abs(ulps(v[i], Float(moments[i].1))))
    }
    print("AdamW two steps: worst difference from the hand-computed values \(worst) ulp")
    #expect(worst <= 1)
}

/// The gradient scale folds a mean and a clip factor into the step: scaling by 1/4 equals a step on the
/// quartered gradient, bit for bit when the scale is a power of two.
@Test func gradientScaleEqualsAStepOnTheScaledGradient() {
    let hyper = AdamW.Hyperparameters(weightDecay: 0.01)
    let a = FloatBuffer([0.3, -0.7, 1.1, 0]), b = FloatBuffer(a.array)
    let ma = FloatBuffer(count: 4), va = FloatBuffer(count: 4), mb = FloatBuffer(count: 4), vb = FloatBuffer(count: 4)
    let summed = FloatBuffer([2.0, -1.0, 0.5, 4.0]), mean = FloatBuffer(summed.array.map { $0 / 4 })
    for step in 1...3 {
        AdamW.update(parameters: a.pointer, gradients: summed.pointer, gradientScale: 0.25, firstMoment: ma.pointer,
                     secondMoment: va.pointer, count: 4, decayRanges: [1..<3], step: step, learningRate: 1e-3, hyperparameters: hyper)
        AdamW.update(parameters: b.pointer, gradients: mean.pointer, firstMoment: mb.pointer, secondMoment: vb.pointer,
                     count: 4, decayRanges: [1..<3], step: step, learningRate: 1e-3, hyperparameters: hyper)
    }
    #expect(a.array.map(\.bitPattern) == b.array.map(\.bitPattern))
    #expect(ma.array.map(\.bitPattern) == mb.array.map(\.bitPattern))
    #expect(va.array.map(\.bitPattern) == vb.array.map(\.bitPattern))
}

/// A zero learning rate (the first step of a warmup) leaves parameters unchanged but still advances
/// the moments, as in PyTorch.
@Test func zeroLearningRateMovesMomentsNotParameters() {
    let p = FloatBuffer([1, -2]), m = FloatBuffer(count: 2), v = FloatBuffer(count: 2), g = FloatBuffer([0.5, 0.25])
    AdamW.update(parameters: p.pointer, gradients: g.pointer, firstMoment: m.pointer, secondMoment: v.pointer, count: 2,
                 decayRanges: [0..<2], step: 1, learningRate: 0, hyperparameters: .init(weightDecay: 0.1))
    #expect(p.array == [1, -2])
    // m = 0.1·g, v = 0.001·g²
    #expect(m.array == [Float(0.1) * 0.5, Float(0.1) * 0.25])
    #expect(abs(v[0] - 0.00025) <= 1e-10 && abs(v[1] - 0.0000625) <= 1e-11)
}

/// β1 below 0.5 takes ATen's other `lerp` branch, m ← g + (w − 1)(g − m), which still means
/// m = β1·m + (1 − β1)·g: with β1 = 0.25, m = 0.25·4 + 0.75·8 = 7 (exact in binary).
@Test func smallBeta1UsesTheOtherLerpForm() {
    let hyper = AdamW.Hyperparameters(beta1: 0.25)
    let p = FloatBuffer([0]), m = FloatBuffer([4]), v = FloatBuffer([1]), g = FloatBuffer([8])
    AdamW.update(parameters: p.pointer, gradients: g.pointer, firstMoment: m.pointer, secondMoment: v.pointer, count: 1,
                 decayRanges: [], step: 2, learningRate: 0, hyperparameters: hyper)
    #expect(m[0] == 7)
}

/// The vector kernels (AVX2, AVX-512, where this CPU has them) give the Swift loop's bits: over 1 003
/// elements (vector bodies and a scalar tail), values from denormal to large, a decayed range that starts
/// and ends inside a vector, a gradient scale, three steps, and β1 = 0.3 (lerp's other formula).
@Test(arguments: VectorUnit.available.filter { $0 != .baseline })
func vectorKernelsGiveTheSwiftLoopsBits(unit: VectorUnit) {
    var random = RandomGenerator(seed: 11)
    let count = 1003
    let values = (0..<count).map { i -> Float in
        let magnitude: [Float] = [1e-39, 1e-20, 1e-3, 0.5, 30, 4e5]
        return (random.nextFloat() - 0.5) * magnitude[i % magnitude.count]
    }
    for beta1 in [0.9, 0.3] {
        let hyper = AdamW.Hyperparameters(beta1: beta1, weightDecay: 0.05)
        let p = [FloatBuffer(values), FloatBuffer(values)]
        let m = [FloatBuffer(count: count), FloatBuffer(count: count)], v = [FloatBuffer(count: count), FloatBuffer(count: count)]
        for buffer in m + v { buffer.zero() }
        for step in 1...3 {
            let g = FloatBuffer((0..<count).map { i in values[(i * 7 + step) % count] * 3 - 0.01 })
            for (side, used) in [VectorUnit.baseline, unit].enumerated() {
                AdamW.update(parameters: p[side].pointer, gradients: g.pointer, gradientScale: 0.37, firstMoment: m[side].pointer,
                             secondMoment: v[side].pointer, count: count, decayRanges: [5..<517, 600..<1001], step: step,
                             learningRate: 1e-3, hyperparameters: hyper, unit: used)
            }
        }
        for (name, pair) in [("parameters", p), ("first moments", m), ("second moments", v)] {
            let differing = (0..<count).first { pair[0][$0].bitPattern != pair[1][$0].bitPattern }
            #expect(differing == nil, "\(name), β1 \(beta1): element \(differing ?? 0) differs")
        }
    }
}
