/// Sequence log-probs of the two responses of one pair under one model.
public struct ResponseLogProbs: Sendable, Equatable {
    public var chosen: Double
    public var rejected: Double
    public init(chosen: Double, rejected: Double) {
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// Runs batches of preference pairs through the model: reference log-probs (forward only), or the
/// objective's loss, metrics and parameter gradient (forward, objective, backward).
///
/// Chosen and rejected sequences of all pairs are packed into one batch, `[c₀, r₀, c₁, r₁, …]`, so each
/// batch costs one forward and one backward pass. The engine owns one `Activations` workspace and is
/// not thread-safe: use one engine per thread.
public final class GradientEngine {
    public let model: GPT2
    public let objective: Objective
    private let activations: Activations

    /// What one pair contributed to a gradient.
    public struct PairResult: Sendable, Equatable {
        public var policy: ResponseLogProbs
        public var loss: PairLoss
    }

    /// The outcome of one gradient batch.
    public struct BatchResult: Sendable {
        public var pairs: [PairResult]
        public var metrics: PreferenceMetrics
        /// Tokens run through the model (prompt and response, both sequences of every pair).
        public var tokens: Int
    }

    public init(model: GPT2, objective: Objective) {
        self.model = model
        self.objective = objective
        self.activations = Activations(config: model.config)
    }

    /// Floats the engine's workspace holds (for memory reports).
    public var workspaceFloats: Int { activations.reservedFloats }

    /// log π(chosen) and log π(rejected) for each pair under `parameters`.
    /// - Throws: `DatasetError` if a pair does not fit the model.
    public func logProbs(parameters: UnsafePointer<Float>, pairs: [TokenizedPair]) throws -> [ResponseLogProbs] {
        let batch = try pack(pairs)
        let sums = model.forward(parameters: parameters, batch: batch, activations: activations)
        return pairs.indices.map { ResponseLogProbs(chosen: sums[2 * $0], rejected: sums[2 * $0 + 1]) }
    }

    /// Adds to `gradients` the gradient of Σ_pairs loss / `normalizer`, where each pair's loss is the
    /// objective's (design.md section 1). With `normalizer` = `pairs.count` this is the gradient of the
    /// batch's mean loss; a parameter server passes the step's total pair count instead so that the
    /// shares of several workers sum to the gradient of the step's mean.
    ///
    /// With a helpfulness buffer (the reference's `use_buffer`), the last `bufferPairs` pairs are buffer
    /// pairs: each of their losses enters with weight `bufferWeight` instead of 1, and they are left out of
    /// the metrics, which describe the main data.
    ///
    /// - Parameters:
    ///   - reference: π_ref log-probs of each pair, in the order of `pairs`.
    ///   - gradients: `model.layout.count` floats, accumulated into (`+=`).
    /// - Throws: `DatasetError` if a pair does not fit the model, `ObjectiveError` if a log-prob is not
    ///   finite (nothing is added to `gradients` then).
    public func accumulateGradient(
        parameters: UnsafePointer<Float>, pairs: [TokenizedPair], reference: [ResponseLogProbs],
        normalizer: Double, bufferPairs: Int = 0, bufferWeight: Double = 0, into gradients: UnsafeMutablePointer<Float>
    ) throws -> BatchResult {
        precondition(reference.count == pairs.count, "one reference entry per pair")
        precondition(normalizer > 0, "the normalizer is a positive pair count")
        precondition(bufferPairs >= 0 && bufferPairs < pairs.count, "at least one pair of the main data")
        let firstBufferPair = pairs.count - bufferPairs
        let batch = try pack(pairs)
        let sums = model.forward(parameters: parameters, batch: batch, activations: activations)
        var results: [PairResult] = []
        var metrics = PreferenceMetrics()
        var sequenceGradients = [Float](repeating: 0, count: batch.sequenceCount)
        for (i, pair) in pairs.enumerated() {
            let logProbs = try PairLogProbs(
                policyChosen: sums[2 * i], policyRejected: sums[2 * i + 1],
                referenceChosen: reference[i].chosen, referenceRejected: reference[i].rejected,
                chosenSafe: pair.chosenSafe, rejectedSafe: pair.rejectedSafe, chosenTokens: pair.chosenResponseTokens)
            let loss = objective.evaluate(logProbs)
            let weight = i < firstBufferPair ? 1 : bufferWeight
            if i < firstBufferPair { metrics.add(logProbs, loss: loss, objective: objective) }
            results.append(PairResult(policy: ResponseLogProbs(chosen: sums[2 * i], rejected: sums[2 * i + 1]), loss: loss))
            sequenceGradients[2 * i] = Float(weight * loss.dPolicyChosen / normalizer)
            sequenceGradients[2 * i + 1] = Float(weight * loss.dPolicyRejected / normalizer)
        }
        model.backward(parameters: parameters, gradients: gradients, batch: batch, activations: activations,
                       sequenceGradients: sequenceGradients)
        return BatchResult(pairs: results, metrics: metrics, tokens: batch.tokenCount)
    }

    private func pack(_ pairs: [TokenizedPair]) throws -> PackedBatch {
        let config = model.config
        var sequences: [(ids: [Int], mask: [Bool])] = []
        sequences.reserveCapacity(2 * pairs.count)
        for pair in pairs {
            try pair.validate(vocabulary: config.vocabulary, maxPositions: config.positions)
            sequences.append((pair.chosenIDs, pair.chosenMask))
            sequences.append((pair.rejectedIDs, pair.rejectedMask))
        }
        return try PackedBatch(sequences: sequences, vocabulary: config.vocabulary, maxPositions: config.positions)
    }
}
