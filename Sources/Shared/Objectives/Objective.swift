import Foundation

/// One configured training objective: turns a pair's log-probs into its loss and the loss's exact
/// derivatives with respect to the policy's two sequence log-probs (docs/objectives.md).
///
/// The batch loss is the mean of `evaluate(_:).loss` over the pairs. Construction validates the
/// parameters, so every `Objective` yields finite numbers for every valid `PairLogProbs` short of
/// overflow.
public struct Objective: Sendable, Equatable {
    public let kind: ObjectiveKind
    public let parameters: ObjectiveParameters

    /// - Throws: `ObjectiveError.invalidParameter` if `parameters.validate()` does.
    public init(kind: ObjectiveKind, parameters: ObjectiveParameters = ObjectiveParameters()) throws {
        try parameters.validate()
        self.kind = kind
        self.parameters = parameters
    }

    /// BFPO's regression target for z given the two safety labels, nil for the other objectives:
    ///
    ///     target = (b1·b3·S_c − b3·S_r − α) / β,   b3 = 1/(b1 − 1)
    ///
    /// At the defaults (b1 = 3, α = 0.5, β = 0.01) the targets are 100 (chosen safe, rejected unsafe),
    /// 50 (both safe), −50 (both unsafe) and −100 (chosen unsafe, rejected safe): one global ranking,
    /// helpful-safe > unhelpful-safe > unhelpful-unsafe > helpful-unsafe, so a helpful but unsafe chosen
    /// response must end up *less* likely than its rejected partner.
    public func target(chosenSafe: Bool, rejectedSafe: Bool) -> Double? {
        kind == .bfpo ? bfpoTarget(chosenSafe: chosenSafe, rejectedSafe: rejectedSafe) : nil
    }

    private func bfpoTarget(chosenSafe: Bool, rejectedSafe: Bool) -> Double {
        let (b1, b3) = (parameters.b1, parameters.b3)
        let sc: Double = chosenSafe ? 1 : 0
        let sr: Double = rejectedSafe ? 1 : 0
        return (b1 * b3 * sc - b3 * sr - parameters.alpha) / parameters.beta
    }

    /// The pair's loss and ∂loss/∂ log π(y_c), ∂loss/∂ log π(y_r). With z = `pair.logRatioMargin`,
    /// ∂z/∂ log π(y_c) = 1 and ∂z/∂ log π(y_r) = −1, so the preference objectives' two derivatives are
    /// ±dloss/dz.
    public func evaluate(_ pair: PairLogProbs) -> PairLoss {
        let beta = parameters.beta
        switch kind {
        case .bfpo:
            // loss = (z − target)², dloss/dz = 2 (z − target).
            let target = bfpoTarget(chosenSafe: pair.chosenSafe, rejectedSafe: pair.rejectedSafe)
            return Self.squaredError(z: pair.logRatioMargin, target: target)
        case .ipo:
            // loss = (z − 1/(2β))², dloss/dz = 2 (z − 1/(2β)).
            return Self.squaredError(z: pair.logRatioMargin, target: 1 / (2 * beta))
        case .dpo:
            // loss = −log σ(βz) = softplus(−βz); dloss/dz = −β σ(−βz). Both are evaluated in forms that
            // neither overflow nor lose the answer for large |βz|: at βz = −1000 the loss is 1000, not inf.
            let x = beta * pair.logRatioMargin
            let dz = -beta * Self.sigmoid(-x)
            return PairLoss(loss: Self.softplus(-x), dPolicyChosen: dz, dPolicyRejected: -dz)
        case .sft:
            // loss = −log π(y_c) / n_c, the mean token NLL of the chosen response; the rejected response
            // and the reference play no part.
            let tokens = Double(pair.chosenTokens)
            return PairLoss(loss: -pair.policyChosen / tokens, dPolicyChosen: -1 / tokens, dPolicyRejected: 0)
        }
    }

    private static func squaredError(z: Double, target: Double) -> PairLoss {
        let residual = z - target
        return PairLoss(loss: residual * residual, dPolicyChosen: 2 * residual, dPolicyRejected: -2 * residual)
    }

    /// log(1 + eˣ) as max(x, 0) + log1p(e^−|x|): the exponent is never positive, so it cannot overflow.
    private static func softplus(_ x: Double) -> Double {
        max(x, 0) + log1p(exp(-abs(x)))
    }

    /// σ(x) = 1/(1 + e^−x), through e^x/(1 + e^x) for negative x so the exponential never overflows.
    private static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }
}
