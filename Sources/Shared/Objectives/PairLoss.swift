/// One pair's loss and its exact derivatives with respect to the policy's two sequence log-probs.
///
/// The batch loss is the mean over pairs, so the model backpropagates `dPolicyChosen / pairs` into every
/// counted token of the chosen sequence and `dPolicyRejected / pairs` into the rejected one's. Reference
/// log-probs are constants: no derivative is taken with respect to them.
public struct PairLoss: Sendable, Equatable {
    public var loss: Double
    /// ∂loss/∂ log π(y_c|x).
    public var dPolicyChosen: Double
    /// ∂loss/∂ log π(y_r|x).
    public var dPolicyRejected: Double

    public init(loss: Double, dPolicyChosen: Double, dPolicyRejected: Double) {
        self.loss = loss
        self.dPolicyChosen = dPolicyChosen
        self.dPolicyRejected = dPolicyRejected
    }
}
