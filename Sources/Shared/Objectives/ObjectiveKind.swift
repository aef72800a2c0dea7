/// The training objectives a run can use (docs/objectives.md). Raw values are the names the recipe,
/// the wire header and `bfpo-worker gradient --objective` use.
public enum ObjectiveKind: String, CaseIterable, Sendable, Codable {
    /// Bi-Factorial Preference Optimization: regress z onto a target set by the two safety labels.
    case bfpo
    /// Direct Preference Optimization: −log σ(β z).
    case dpo
    /// Identity Preference Optimization on summed log-probs: (z − 1/(2β))².
    case ipo
    /// Supervised fine-tuning: mean token negative log-likelihood of the chosen response.
    case sft
}
