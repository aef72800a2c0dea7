extension GradientEngine {
    /// The objective's loss and metrics over `pairs`, as `accumulateGradient` computes them, from a
    /// forward pass only: no backward pass and no gradient, for evaluation.
    ///
    /// - Parameters:
    ///   - reference: π_ref log-probs of each pair, in the order of `pairs`; nil when the reference is the
    ///     policy itself, whose log-probs then serve as both (one forward pass).
    ///   - schedule: asked for the parameters layer by layer (a worker's pull still in flight).
    /// - Throws: `DatasetError` if a pair does not fit the model, `ObjectiveError` if a log-prob is not finite.
    public func evaluate(parameters: UnsafePointer<Float>, pairs: [TokenizedPair], reference: [ResponseLogProbs]?,
                         schedule: ComputeSchedule? = nil) throws -> BatchResult {
        precondition(reference == nil || reference!.count == pairs.count, "one reference entry per pair")
        let policy = try logProbs(parameters: parameters, pairs: pairs, schedule: schedule)
        let reference = reference ?? policy
        var results: [PairResult] = []
        var metrics = PreferenceMetrics()
        for (i, pair) in pairs.enumerated() {
            let logProbs = try PairLogProbs(
                policyChosen: policy[i].chosen, policyRejected: policy[i].rejected,
                referenceChosen: reference[i].chosen, referenceRejected: reference[i].rejected,
                chosenSafe: pair.chosenSafe, rejectedSafe: pair.rejectedSafe, chosenTokens: pair.chosenResponseTokens)
            let loss = objective.evaluate(logProbs)
            metrics.add(logProbs, loss: loss, objective: objective)
            results.append(PairResult(policy: policy[i], loss: loss))
        }
        let tokens = pairs.reduce(0) { $0 + $1.chosenIDs.count + $1.rejectedIDs.count }
        return BatchResult(pairs: results, metrics: metrics, tokens: tokens)
    }
}
