import Testing
@testable import Shared

/// The whole gradient path — packing, forward, objective, backward — against central finite differences
/// of the same mean loss computed by the Double oracle and the objective's formula, for every objective
/// and every parameter tensor.
struct GradientEngineTests {
    let config = ModelFixtures.config
    let parameters = ModelFixtures.parameters(seed: 5)
    let source = RowLocation(file: "fixture", line: 1)

    /// Three pairs covering three of the four safety-label combinations, with short sequences so that the
    /// oracle runs fast (attention blocking is covered by GPT2Tests).
    func pairs() throws -> [TokenizedPair] {
        let s = ModelFixtures.sequences
        return try [
            TokenizedPair(chosenIDs: s[0].ids, chosenMask: s[0].mask, rejectedIDs: s[1].ids, rejectedMask: s[1].mask,
                          chosenSafe: true, rejectedSafe: false, source: source),
            TokenizedPair(chosenIDs: s[2].ids, chosenMask: s[2].mask, rejectedIDs: s[0].ids, rejectedMask: s[0].mask,
                          chosenSafe: false, rejectedSafe: true, source: source),
            TokenizedPair(chosenIDs: s[1].ids, chosenMask: s[1].mask, rejectedIDs: s[2].ids, rejectedMask: s[2].mask,
                          chosenSafe: true, rejectedSafe: true, source: source),
        ]
    }

    /// Reference log-probs near the policy's so that every objective is away from its flat regions.
    let reference = [ResponseLogProbs(chosen: -9.1, rejected: -17.4), ResponseLogProbs(chosen: -2.7, rejected: -8.8),
                     ResponseLogProbs(chosen: -15.0, rejected: -3.2)]

    func oracleLoss(_ objective: Objective, _ p: [Double], _ pairs: [TokenizedPair]) throws -> Double {
        let oracle = ReferenceGPT2(config: config)
        var total = 0.0
        for (pair, ref) in zip(pairs, reference) {
            let logProbs = try PairLogProbs(
                policyChosen: oracle.sequenceLogProb(parameters: p, ids: pair.chosenIDs, mask: pair.chosenMask),
                policyRejected: oracle.sequenceLogProb(parameters: p, ids: pair.rejectedIDs, mask: pair.rejectedMask),
                referenceChosen: ref.chosen, referenceRejected: ref.rejected,
                chosenSafe: pair.chosenSafe, rejectedSafe: pair.rejectedSafe, chosenTokens: pair.chosenResponseTokens)
            total += objective.evaluate(logProbs).loss
        }
        return total / Double(pairs.count)
    }

    @Test(arguments: ObjectiveKind.allCases)
    func meanLossGradientMatchesFiniteDifferences(kind: ObjectiveKind) throws {
        // β = 0.5 keeps DPO's sigmoid in its sloped region for log-prob gaps of a few nats.
        let objective = try Objective(kind: kind, parameters: ObjectiveParameters(beta: kind == .dpo ? 0.5 : 0.01))
        let pairs = try pairs()
        let model = GPT2(config: config)
        let engine = GradientEngine(model: model, objective: objective)
        let weights = parameters.map(Float.init)
        let gradient = FloatBuffer(count: model.layout.count)
        let result = try engine.accumulateGradient(
            parameters: weights, pairs: pairs, reference: reference, normalizer: Double(pairs.count), into: gradient.pointer)

        let expectedLoss = try oracleLoss(objective, parameters, pairs)
        let loss = result.metrics.lossSum / Double(result.metrics.pairs)
        // BFPO/IPO losses are squares of margins of size ~100, so fp32 log-probs (1e-6 relative) give
        // ~1e-5 relative in the loss.
        #expect(abs(loss - expectedLoss) <= 1e-4 * abs(expectedLoss), "loss \(loss) vs oracle \(expectedLoss)")
        let scored = pairs.reduce(0) { $0 + $1.chosenIDs.count + (kind == .sft ? 0 : $1.rejectedIDs.count) }
        #expect(result.tokens == scored)

        // One random direction per tensor; Double central differences (h = 1e-5) are exact to ~1e-8
        // relative here, so the 1e-3 bound measures the fp32 gradient only.
        let h = 1e-5
        var rng = TestRandom(seed: 11)
        var worst = 0.0
        for spec in model.layout.tensors {
            let direction = (0..<spec.count).map { _ in rng.normal() }
            var plus = parameters, minus = parameters
            for (i, d) in direction.enumerated() {
                plus[spec.offset + i] += h * d
                minus[spec.offset + i] -= h * d
            }
            let numeric = try (oracleLoss(objective, plus, pairs) - oracleLoss(objective, minus, pairs)) / (2 * h)
            let exact = direction.enumerated().reduce(0) { $0 + $1.element * Double(gradient[spec.offset + $1.offset]) }
            let norm = direction.map { $0 * $0 }.reduce(0, +).squareRoot()
            let gradientNorm = (spec.range).map { Double(gradient[$0]) * Double(gradient[$0]) }.reduce(0, +).squareRoot()
            let error = abs(exact - numeric) / max(abs(numeric), 1e-3 * gradientNorm * norm, 1e-9)
            worst = max(worst, error)
            #expect(error < 1e-3, "\(kind) \(spec.name): analytic \(exact) vs numeric \(numeric)")
        }
        print("\(kind): loss \(loss) (oracle \(expectedLoss)); worst directional gradient error \(worst) over \(model.layout.tensors.count) tensors")
    }

    @Test func sftGradientIgnoresTheRejectedResponse() throws {
        // SFT's loss is the chosen response's mean token NLL: swapping the rejected response for another
        // must leave the gradient bit-identical (its rows are skipped in the LM head's backward pass).
        let model = GPT2(config: config)
        let engine = GradientEngine(model: model, objective: try Objective(kind: .sft))
        let weights = parameters.map(Float.init)
        func gradient(rejectedIDs: [Int], rejectedMask: [Bool]) throws -> [Float] {
            let pair = try TokenizedPair(chosenIDs: [1, 2, 3], chosenMask: [false, true, true], rejectedIDs: rejectedIDs,
                                         rejectedMask: rejectedMask, chosenSafe: true, rejectedSafe: true, source: source)
            let buffer = FloatBuffer(count: model.layout.count)
            _ = try engine.accumulateGradient(parameters: weights, pairs: [pair], reference: [ResponseLogProbs(chosen: 0, rejected: 0)],
                                              normalizer: 1, into: buffer.pointer)
            return buffer.array
        }
        let first = try gradient(rejectedIDs: [1, 12, 12], rejectedMask: [false, true, true])
        let second = try gradient(rejectedIDs: [7, 5, 9, 4], rejectedMask: [false, false, true, true])
        #expect(first == second)
        #expect(first.contains { $0 != 0 })
    }

    @Test func bufferPairsEnterWithTheirWeightAndStayOutOfMetrics() throws {
        // gradient(main = [p0, p1], buffer = [p2], weight 2.5) = gradient([p0, p1]) + 2.5 · gradient([p2]).
        let model = GPT2(config: config)
        let engine = GradientEngine(model: model, objective: try Objective(kind: .bfpo))
        let weights = parameters.map(Float.init)
        let all = try pairs()
        func gradient(_ chosen: [Int], bufferPairs: Int = 0, weight: Double = 0) throws -> ([Float], PreferenceMetrics) {
            let buffer = FloatBuffer(count: model.layout.count)
            let result = try engine.accumulateGradient(
                parameters: weights, pairs: chosen.map { all[$0] }, reference: chosen.map { reference[$0] }, normalizer: 1,
                bufferPairs: bufferPairs, bufferWeight: weight, into: buffer.pointer)
            return (buffer.array, result.metrics)
        }
        let (mixed, metrics) = try gradient([0, 1, 2], bufferPairs: 1, weight: 2.5)
        let (main, mainMetrics) = try gradient([0, 1])
        let (buffer, _) = try gradient([2, 0], bufferPairs: 1, weight: 1)
        let (first, _) = try gradient([0])
        // Packing three pairs instead of two changes fp32 rounding only.
        #expect(metrics.pairs == 2 && mainMetrics.pairs == 2)
        #expect(abs(metrics.lossSum - mainMetrics.lossSum) <= 1e-5 * abs(mainMetrics.lossSum))
        // buffer − first isolates pair 2's gradient; fp32 sums in other orders agree to ~1e-6 of the scale.
        let scale: Float = mixed.map { abs($0) }.max()!
        var worst: Float = 0
        for i in 0..<mixed.count {
            let expected: Float = main[i] + 2.5 * (buffer[i] - first[i])
            worst = max(worst, abs(mixed[i] - expected))
        }
        #expect(worst <= 1e-4 * scale, "worst \(worst) of scale \(scale)")
    }

    /// A batch whose activations exceed the engine's limit (as an untrusted lease may ask for) is refused
    /// before anything is allocated, naming its size; one within the limit runs.
    @Test func aBatchBeyondTheWorkspaceLimitIsRefusedBeforeAllocating() throws {
        let objective = try Objective(kind: .bfpo, parameters: ObjectiveParameters())
        let pairs = try pairs()
        let weights = parameters.map(Float.init)
        let needed = Activations(config: config).requiredFloats(for: try PackedBatch(
            groups: pairs.map { [($0.chosenIDs, $0.chosenMask), ($0.rejectedIDs, $0.rejectedMask)] },
            vocabulary: config.vocabulary, maxPositions: config.positions)) * 4
        let tight = GradientEngine(model: GPT2(config: config), objective: objective, workspaceLimitBytes: needed - 1)
        #expect(throws: ModelError.workspaceTooLarge(pairs: 3, tokens: pairs.reduce(0) { $0 + $1.chosenIDs.count + $1.rejectedIDs.count },
                                                     bytes: needed, limit: needed - 1)) {
            _ = try tight.logProbs(parameters: weights, pairs: pairs)
        }
        #expect(tight.workspaceFloats == 0)
        let enough = GradientEngine(model: GPT2(config: config), objective: objective, workspaceLimitBytes: needed)
        #expect(try enough.logProbs(parameters: weights, pairs: pairs).count == 3)
        #expect(Double(enough.workspaceFloats) * 4 == needed)
    }
}
