import Foundation

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
/// Chosen and rejected sequences of all pairs are packed into one batch, `[c₀, r₀, c₁, r₁, …]`, each pair
/// a group whose shared prompt is computed once (`PackedBatch`), so each batch costs one forward and one
/// backward pass over prompt + both responses. SFT, whose loss reads only the chosen response, packs the
/// chosen sequences alone. The engine owns one `Activations` workspace with its compute pool and is not
/// thread-safe: use one engine per caller.
public final class GradientEngine {
    /// Which responses of each pair a gradient batch runs through the model.
    public enum Responses: Sendable {
        /// Chosen and rejected: every preference objective.
        case both
        /// The chosen response only: all SFT needs. The rejected response's log-prob is reported as 0.
        case chosenOnly
    }

    public let model: GPT2
    public let objective: Objective
    public let responses: Responses
    /// The most bytes of activations one batch may take: a batch that needs more is refused
    /// (`ModelError.workspaceTooLarge`) before anything is allocated for it.
    public let workspaceLimitBytes: Double
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
        /// Tokens of the sequences scored, prompt and response of each, a shared prompt counted once per
        /// sequence (what an unshared packing would compute; the throughput figures' unit).
        public var tokens: Int
    }

    /// - Parameters:
    ///   - threads: threads of the compute pool the model runs on.
    ///   - responses: what a gradient batch computes; by default only what the objective's loss reads.
    ///   - workspaceLimitBytes: by default this machine's physical memory; a worker's batches come from
    ///     the wire, so their shapes are untrusted.
    public init(model: GPT2, objective: Objective, threads: Int = 1, responses: Responses? = nil,
                workspaceLimitBytes: Double = Double(ProcessInfo.processInfo.physicalMemory)) {
        self.model = model
        self.objective = objective
        self.workspaceLimitBytes = workspaceLimitBytes
        self.responses = responses ?? (objective.kind == .sft ? .chosenOnly : .both)
        self.activations = Activations(config: model.config, threads: threads)
    }

    /// Floats the engine's workspace holds (for memory reports).
    public var workspaceFloats: Int { activations.reservedFloats }

    /// log π(chosen) and log π(rejected) for each pair under `parameters`, which `schedule` (if any) is
    /// asked for layer by layer.
    /// - Throws: `DatasetError` if a pair does not fit the model.
    public func logProbs(parameters: UnsafePointer<Float>, pairs: [TokenizedPair], schedule: ComputeSchedule? = nil) throws -> [ResponseLogProbs] {
        let batch = try pack(pairs, responses: .both)
        let sums = model.forward(parameters: parameters, batch: batch, activations: activations, schedule: schedule)
        return pairs.indices.map { ResponseLogProbs(chosen: sums[2 * $0], rejected: sums[2 * $0 + 1]) }
    }

    /// Adds to `gradients` the gradient of Σ_pairs loss / `normalizer`, where each pair's loss is the
    /// objective's (docs/objectives.md). With `normalizer` = `pairs.count` this is the gradient of the
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
    ///   - schedule: told as parameters are read and gradients become final (`ComputeSchedule`).
    /// - Throws: `DatasetError` if a pair does not fit the model, `ObjectiveError` if a log-prob is not
    ///   finite (nothing is added to `gradients` then).
    public func accumulateGradient(
        parameters: UnsafePointer<Float>, pairs: [TokenizedPair], reference: [ResponseLogProbs],
        normalizer: Double, bufferPairs: Int = 0, bufferWeight: Double = 0, into gradients: UnsafeMutablePointer<Float>,
        schedule: ComputeSchedule? = nil
    ) throws -> BatchResult {
        precondition(reference.count == pairs.count, "one reference entry per pair")
        precondition(normalizer > 0, "the normalizer is a positive pair count")
        precondition(bufferPairs >= 0 && bufferPairs < pairs.count, "at least one pair of the main data")
        let firstBufferPair = pairs.count - bufferPairs
        let batch = try pack(pairs, responses: responses)
        let sums = model.forward(parameters: parameters, batch: batch, activations: activations, schedule: schedule)
        let perPair = responses == .both ? 2 : 1
        var results: [PairResult] = []
        var metrics = PreferenceMetrics()
        var sequenceGradients = [Float](repeating: 0, count: batch.sequenceCount)
        for (i, pair) in pairs.enumerated() {
            let policy = ResponseLogProbs(chosen: sums[perPair * i], rejected: responses == .both ? sums[2 * i + 1] : 0)
            let logProbs = try PairLogProbs(
                policyChosen: policy.chosen, policyRejected: policy.rejected,
                referenceChosen: reference[i].chosen, referenceRejected: reference[i].rejected,
                chosenSafe: pair.chosenSafe, rejectedSafe: pair.rejectedSafe, chosenTokens: pair.chosenResponseTokens)
            let loss = objective.evaluate(logProbs)
            let weight = i < firstBufferPair ? 1 : bufferWeight
            if i < firstBufferPair { metrics.add(logProbs, loss: loss, objective: objective) }
            results.append(PairResult(policy: policy, loss: loss))
            sequenceGradients[perPair * i] = Float(weight * loss.dPolicyChosen / normalizer)
            if responses == .both { sequenceGradients[2 * i + 1] = Float(weight * loss.dPolicyRejected / normalizer) }
        }
        model.backward(parameters: parameters, gradients: gradients, batch: batch, activations: activations,
                       sequenceGradients: sequenceGradients, schedule: schedule)
        return BatchResult(pairs: results, metrics: metrics, tokens: batch.sequenceTokenCount)
    }

    /// One group per pair: its chosen and rejected sequences, sharing their prompt, or the chosen alone.
    private func pack(_ pairs: [TokenizedPair], responses: Responses) throws -> PackedBatch {
        let config = model.config
        let groups = try pairs.map { pair -> [(ids: [Int], mask: [Bool])] in
            try pair.validate(vocabulary: config.vocabulary, maxPositions: config.positions)
            let chosen = (ids: pair.chosenIDs, mask: pair.chosenMask)
            return responses == .both ? [chosen, (pair.rejectedIDs, pair.rejectedMask)] : [chosen]
        }
        let batch = try PackedBatch(groups: groups, vocabulary: config.vocabulary, maxPositions: config.positions)
        let bytes = activations.requiredFloats(for: batch) * Double(MemoryLayout<Float>.size)
        guard bytes <= workspaceLimitBytes else {
            throw ModelError.workspaceTooLarge(pairs: pairs.count, tokens: batch.tokenCount, bytes: bytes, limit: workspaceLimitBytes)
        }
        return batch
    }
}
