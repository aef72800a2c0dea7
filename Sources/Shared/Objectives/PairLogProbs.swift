/// What an objective sees of one preference pair: the sequence log-probabilities (summed over response
/// tokens, docs/objectives.md "Sequence log-probabilities") of the chosen and rejected responses under the policy and the frozen
/// reference, the two safety labels, and the chosen response's token count (SFT's normaliser).
///
/// Invariants, checked by the initializer: all four log-probs are finite and `chosenTokens ≥ 1`, so
/// every objective's loss and derivatives are defined. Reference log-probs arrive from a cache over the
/// wire, so this is where untrusted numbers are stopped.
public struct PairLogProbs: Sendable, Equatable {
    /// log π(y_c|x), the policy's log-prob of the chosen response.
    public let policyChosen: Double
    /// log π(y_r|x).
    public let policyRejected: Double
    /// log π_ref(y_c|x).
    public let referenceChosen: Double
    /// log π_ref(y_r|x).
    public let referenceRejected: Double
    /// S_c: the chosen response is safe.
    public let chosenSafe: Bool
    /// S_r: the rejected response is safe.
    public let rejectedSafe: Bool
    /// Number of response tokens (mask = 1) in the chosen sequence.
    public let chosenTokens: Int

    /// - Throws: `ObjectiveError.invalidPair` if a log-prob is NaN or infinite or `chosenTokens < 1`.
    public init(
        policyChosen: Double, policyRejected: Double, referenceChosen: Double, referenceRejected: Double,
        chosenSafe: Bool, rejectedSafe: Bool, chosenTokens: Int
    ) throws {
        func requireFinite(_ value: Double, _ name: String) throws {
            guard value.isFinite else {
                throw ObjectiveError.invalidPair("the \(name) log-prob is \(value), not a finite number")
            }
        }
        try requireFinite(policyChosen, "policy chosen")
        try requireFinite(policyRejected, "policy rejected")
        try requireFinite(referenceChosen, "reference chosen")
        try requireFinite(referenceRejected, "reference rejected")
        guard chosenTokens >= 1 else {
            throw ObjectiveError.invalidPair("the chosen response has \(chosenTokens) tokens; at least 1 is needed")
        }
        self.policyChosen = policyChosen
        self.policyRejected = policyRejected
        self.referenceChosen = referenceChosen
        self.referenceRejected = referenceRejected
        self.chosenSafe = chosenSafe
        self.rejectedSafe = rejectedSafe
        self.chosenTokens = chosenTokens
    }

    /// z = (log π(y_c) − log π(y_r)) − (log π_ref(y_c) − log π_ref(y_r)): how much more the policy
    /// prefers chosen over rejected than the reference does. Grouped as in the formula and the reference.
    public var logRatioMargin: Double {
        (policyChosen - policyRejected) - (referenceChosen - referenceRejected)
    }

    /// The implicit reward of the chosen response, β (log π(y_c) − log π_ref(y_c)).
    public func chosenReward(beta: Double) -> Double { beta * (policyChosen - referenceChosen) }

    /// The implicit reward of the rejected response, β (log π(y_r) − log π_ref(y_r)).
    public func rejectedReward(beta: Double) -> Double { beta * (policyRejected - referenceRejected) }
}
