import Testing
@testable import Shared

/// The fp32 model against the naive Double oracle: forward log-probs, then every parameter tensor's
/// gradient against central finite differences.
struct GPT2Tests {
    let config = ModelFixtures.config
    let parameters = ModelFixtures.parameters()
    /// ∂loss/∂ log π(sequence): the test loss is Σ_s c_s · log π(s), which exercises the backward pass
    /// with gradients of both signs and of different sizes per sequence.
    let coefficients: [Double] = [0.7, -1.3, 0.4, 0.9]

    func oracleLoss(_ p: [Double]) -> Double {
        let oracle = ReferenceGPT2(config: config)
        return zip(ModelFixtures.sequences, coefficients).reduce(0) {
            $0 + $1.1 * oracle.sequenceLogProb(parameters: p, ids: $1.0.ids, mask: $1.0.mask)
        }
    }

    @Test func forwardLogProbsMatchDoubleOracle() throws {
        let batch = try ModelFixtures.batch()
        let model = GPT2(config: config)
        let weights = parameters.map(Float.init)
        let logProbs = model.forward(parameters: weights, batch: batch, activations: Activations(config: config))
        let oracle = ReferenceGPT2(config: config)
        var worst = 0.0
        for (s, sequence) in ModelFixtures.sequences.enumerated() {
            let expected = oracle.sequenceLogProb(parameters: parameters, ids: sequence.ids, mask: sequence.mask)
            // fp32 rounding over ~50 summed log-probs of size ~3: 1e-5 relative is ample headroom.
            let error = abs(logProbs[s] - expected) / max(1, abs(expected))
            worst = max(worst, error)
            #expect(error < 1e-5, "sequence \(s): \(logProbs[s]) vs oracle \(expected)")
        }
        print("forward: worst relative error \(worst) over \(batch.sequenceCount) sequences")
    }

    @Test func everyParameterGradientMatchesFiniteDifferences() throws {
        let batch = try ModelFixtures.batch()
        let model = GPT2(config: config)
        let weights = parameters.map(Float.init)
        let activations = Activations(config: config)
        _ = model.forward(parameters: weights, batch: batch, activations: activations)
        let gradient = FloatBuffer(count: model.layout.count)
        model.backward(parameters: weights, gradients: gradient.pointer, batch: batch, activations: activations,
                       sequenceGradients: coefficients.map(Float.init))

        // Central differences in Double with h = 1e-5 are accurate to ~1e-9 (truncation h², rounding
        // 1e-16/h); the fp32 analytic gradient carries ~1e-6 relative rounding, so 1e-3 relative to the
        // larger of the value and the tensor's gradient scale is a bound with headroom, yet far below the
        // size of any real mistake (a wrong sign, a missed term, an off-by-one row).
        let h = 1e-5
        var rng = TestRandom(seed: 99)
        var worst = (error: 0.0, name: "")
        for spec in model.layout.tensors {
            let analytic = (spec.range).map { Double(gradient[$0]) }
            let scale = max(1e-3, (analytic.map { $0 * $0 }.reduce(0, +) / Double(spec.count)).squareRoot())
            var probes = (0..<3).map { _ in Int.random(in: spec.range, using: &rng) }
            probes.append(-1)  // -1: a random direction through the whole tensor
            for probe in probes {
                var direction = [Double](repeating: 0, count: spec.count)
                if probe >= 0 { direction[probe - spec.offset] = 1 } else {
                    direction = direction.map { _ in rng.normal() }
                }
                var plus = parameters, minus = parameters
                for (i, d) in direction.enumerated() {
                    plus[spec.offset + i] += h * d
                    minus[spec.offset + i] -= h * d
                }
                let numeric = (oracleLoss(plus) - oracleLoss(minus)) / (2 * h)
                let exact = zip(analytic, direction).reduce(0) { $0 + $1.0 * $1.1 }
                let norm = probe >= 0 ? 1 : (direction.map { $0 * $0 }.reduce(0, +)).squareRoot()
                let error = abs(exact - numeric) / max(abs(numeric), scale * norm)
                if error > worst.error { worst = (error, spec.name) }
                #expect(error < 1e-3, "\(spec.name) probe \(probe): analytic \(exact) vs numeric \(numeric)")
            }
        }
        print("gradient: worst relative error \(worst.error) in \(worst.name) over \(model.layout.tensors.count) tensors")
    }
}
