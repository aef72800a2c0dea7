/// The scalars of the objectives, under the recipe's names (`beta`, `b1`, `alpha`); defaults are the
/// paper's and the reference repository's (β = 0.01, b1 = 3, α = 0.5).
///
/// `beta` scales every objective but SFT; `b1` and `alpha` only shape BFPO's target. Decoding fills
/// absent keys with the defaults and then validates, so a decoded value is always usable.
public struct ObjectiveParameters: Sendable, Equatable, Codable {
    public var beta: Double
    public var b1: Double
    public var alpha: Double

    public init(beta: Double = 0.01, b1: Double = 3, alpha: Double = 0.5) {
        self.beta = beta
        self.b1 = b1
        self.alpha = alpha
    }

    public init(from decoder: Decoder) throws {
        let defaults = ObjectiveParameters()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        beta = try c.decodeIfPresent(Double.self, forKey: .beta) ?? defaults.beta
        b1 = try c.decodeIfPresent(Double.self, forKey: .b1) ?? defaults.b1
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? defaults.alpha
        try validate()
    }

    /// BFPO's b3 = 1/(b1 − 1): the weight of the rejected response's safety label in the target.
    public var b3: Double { 1 / (b1 - 1) }

    /// Throws `ObjectiveError.invalidParameter` unless every objective's formula yields finite numbers:
    /// β divides the BFPO target and IPO's margin 1/(2β), and b1 = 1 would make b3 infinite.
    public func validate() throws {
        guard beta > 0, beta.isFinite, (1 / beta).isFinite else {
            throw ObjectiveError.invalidParameter(name: "beta", value: beta, requirement: "positive, finite, with a finite 1/beta")
        }
        guard b1.isFinite, b3.isFinite else {
            throw ObjectiveError.invalidParameter(name: "b1", value: b1, requirement: "finite and different from 1, so that b3 = 1/(b1 - 1) is finite")
        }
        guard alpha.isFinite else {
            throw ObjectiveError.invalidParameter(name: "alpha", value: alpha, requirement: "finite")
        }
    }
}
