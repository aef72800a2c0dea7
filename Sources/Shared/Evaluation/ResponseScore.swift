/// The three ways the safety metrics score one response y to a prompt x.
public enum ResponseScore: String, Sendable, Equatable, CaseIterable {
    /// log π(y|x), summed over the response's tokens.
    case logProb = "logp"
    /// log π(y|x) / |y|: the mean log-prob per response token, which does not favour short responses.
    case logProbPerToken = "logp_per_token"
    /// log π(y|x) − log π_ref(y|x): DPO's and BFPO's implicit reward, up to the factor β (which changes
    /// no order); defined only when a reference model is given.
    case implicitReward = "implicit_reward"
}

/// What the model said about one response: its summed log-prob under the policy and, when a reference
/// is given, under the reference, and the number of response tokens they sum over (≥ 1).
public struct ResponseLogProb: Sendable, Equatable {
    public var policy: Double
    public var reference: Double?
    public var tokens: Int

    public init(policy: Double, reference: Double?, tokens: Int) {
        precondition(tokens >= 1, "a response has at least one token")
        self.policy = policy
        self.reference = reference
        self.tokens = tokens
    }

    /// The response's value under `score`, nil for the implicit reward without a reference.
    public func value(_ score: ResponseScore) -> Double? {
        switch score {
        case .logProb: return policy
        case .logProbPerToken: return policy / Double(tokens)
        case .implicitReward: return reference.map { policy - $0 }
        }
    }
}
