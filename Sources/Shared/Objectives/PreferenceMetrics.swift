/// The training metrics (docs/objectives.md, "Metrics"), kept as sums and counts so that contributions from any
/// number of batches and workers combine by addition, and turned into means only by `means(prefix:)`.
///
/// Merging adds counts exactly and sums in Double, so the merged means equal one big batch's up to
/// floating-point rounding of the sums' order (never a mean of means, which would weight small batches
/// wrongly and could not tell an empty subset from a zero one). Invariants, checked wherever values
/// enter from outside: counts are non-negative, `accuratePairs ≤ rankedPairs ≤ pairs`,
/// `safeChosenPairs ≤ pairs`, sums are finite and a subset with no pairs has a zero sum.
/// A coordinator should also check that a push's `pairs` equals its batch's pair count.
public struct PreferenceMetrics: Sendable, Equatable, Codable {
    /// Number of pairs added.
    public private(set) var pairs = 0
    /// Σ pair loss.
    public private(set) var lossSum = 0.0
    /// Σ β (log π(y_c) − log π_ref(y_c)).
    public private(set) var chosenRewardSum = 0.0
    /// Σ β (log π(y_r) − log π_ref(y_r)).
    public private(set) var rejectedRewardSum = 0.0
    /// Pairs for which accuracy is defined: all pairs, except BFPO pairs whose target is exactly 0.
    public private(set) var rankedPairs = 0
    /// Ranked pairs the policy currently orders the right way (see `add(_:loss:objective:)`).
    public private(set) var accuratePairs = 0
    /// Pairs whose chosen response is safe.
    public private(set) var safeChosenPairs = 0
    /// Σ chosen reward over pairs whose chosen response is safe.
    public private(set) var safeChosenRewardSum = 0.0
    /// Σ chosen reward over pairs whose chosen response is unsafe.
    public private(set) var unsafeChosenRewardSum = 0.0
    /// Σ log π(y_c|x).
    public private(set) var policyChosenLogProbSum = 0.0
    /// Σ log π(y_r|x).
    public private(set) var policyRejectedLogProbSum = 0.0

    /// Pairs whose chosen response is unsafe.
    public var unsafeChosenPairs: Int { pairs - safeChosenPairs }

    /// No pairs: the identity of `merge(_:)`.
    public init() {}

    /// Rebuilds sums received from elsewhere (a worker's push, a file).
    /// - Throws: `ObjectiveError.invalidMetrics` if the values break the invariants above.
    public init(
        pairs: Int, lossSum: Double, chosenRewardSum: Double, rejectedRewardSum: Double,
        rankedPairs: Int, accuratePairs: Int,
        safeChosenPairs: Int, safeChosenRewardSum: Double, unsafeChosenRewardSum: Double,
        policyChosenLogProbSum: Double, policyRejectedLogProbSum: Double
    ) throws {
        self.pairs = pairs
        self.lossSum = lossSum
        self.chosenRewardSum = chosenRewardSum
        self.rejectedRewardSum = rejectedRewardSum
        self.rankedPairs = rankedPairs
        self.accuratePairs = accuratePairs
        self.safeChosenPairs = safeChosenPairs
        self.safeChosenRewardSum = safeChosenRewardSum
        self.unsafeChosenRewardSum = unsafeChosenRewardSum
        self.policyChosenLogProbSum = policyChosenLogProbSum
        self.policyRejectedLogProbSum = policyRejectedLogProbSum
        try validate()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            pairs: c.decode(Int.self, forKey: .pairs),
            lossSum: c.decode(Double.self, forKey: .lossSum),
            chosenRewardSum: c.decode(Double.self, forKey: .chosenRewardSum),
            rejectedRewardSum: c.decode(Double.self, forKey: .rejectedRewardSum),
            rankedPairs: c.decode(Int.self, forKey: .rankedPairs),
            accuratePairs: c.decode(Int.self, forKey: .accuratePairs),
            safeChosenPairs: c.decode(Int.self, forKey: .safeChosenPairs),
            safeChosenRewardSum: c.decode(Double.self, forKey: .safeChosenRewardSum),
            unsafeChosenRewardSum: c.decode(Double.self, forKey: .unsafeChosenRewardSum),
            policyChosenLogProbSum: c.decode(Double.self, forKey: .policyChosenLogProbSum),
            policyRejectedLogProbSum: c.decode(Double.self, forKey: .policyRejectedLogProbSum)
        )
    }

    private func validate() throws {
        func fail(_ reason: String) -> ObjectiveError { .invalidMetrics(reason) }
        guard pairs >= 0 else { throw fail("pairs is \(pairs), below 0") }
        guard 0 <= rankedPairs, rankedPairs <= pairs else {
            throw fail("ranked pairs (\(rankedPairs)) must lie between 0 and pairs (\(pairs))")
        }
        guard 0 <= accuratePairs, accuratePairs <= rankedPairs else {
            throw fail("accurate pairs (\(accuratePairs)) must lie between 0 and ranked pairs (\(rankedPairs))")
        }
        guard 0 <= safeChosenPairs, safeChosenPairs <= pairs else {
            throw fail("safe chosen pairs (\(safeChosenPairs)) must lie between 0 and pairs (\(pairs))")
        }
        let sums = [
            lossSum, chosenRewardSum, rejectedRewardSum, safeChosenRewardSum, unsafeChosenRewardSum,
            policyChosenLogProbSum, policyRejectedLogProbSum,
        ]
        guard sums.allSatisfy(\.isFinite) else { throw fail("a sum is not finite: \(sums)") }
        guard pairs > 0 || sums.allSatisfy({ $0 == 0 }) else { throw fail("sums are nonzero over 0 pairs: \(sums)") }
        guard safeChosenPairs > 0 || safeChosenRewardSum == 0 else {
            throw fail("safe chosen reward sum is \(safeChosenRewardSum) over 0 safe pairs")
        }
        guard unsafeChosenPairs > 0 || unsafeChosenRewardSum == 0 else {
            throw fail("unsafe chosen reward sum is \(unsafeChosenRewardSum) over 0 unsafe pairs")
        }
    }

    /// Adds one pair, evaluated by `objective` into `loss`. Rewards are β (policy − reference) log-prob.
    ///
    /// Accuracy improves on the reference repository, which always asks chosen reward > rejected reward.
    /// For BFPO it asks that z have the sign of the pair's target: z > 0 where the target is positive,
    /// z < 0 where it is negative (a helpful-but-unsafe chosen response *should* lose). A target of
    /// exactly 0 (possible only with non-default α) prescribes no order, so such a pair is not ranked:
    /// it counts in neither the numerator nor the denominator. For DPO, IPO and SFT, a pair is accurate
    /// when chosen reward > rejected reward, as in the reference.
    ///
    /// SFT reads neither the rejected response nor a reference, so an SFT pair adds only its loss and its
    /// chosen log-prob: its rewards would be meaningless, and `means` leaves them out.
    public mutating func add(_ pair: PairLogProbs, loss: PairLoss, objective: Objective) {
        guard objective.kind != .sft else {
            pairs += 1
            lossSum += loss.loss
            policyChosenLogProbSum += pair.policyChosen
            if pair.chosenSafe { safeChosenPairs += 1 }
            return
        }
        let beta = objective.parameters.beta
        let chosenReward = pair.chosenReward(beta: beta)
        let rejectedReward = pair.rejectedReward(beta: beta)
        pairs += 1
        lossSum += loss.loss
        chosenRewardSum += chosenReward
        rejectedRewardSum += rejectedReward
        policyChosenLogProbSum += pair.policyChosen
        policyRejectedLogProbSum += pair.policyRejected
        if pair.chosenSafe {
            safeChosenPairs += 1
            safeChosenRewardSum += chosenReward
        } else {
            unsafeChosenRewardSum += chosenReward
        }
        let accurate: Bool?
        if let target = objective.target(chosenSafe: pair.chosenSafe, rejectedSafe: pair.rejectedSafe) {
            let z = pair.logRatioMargin
            accurate = target > 0 ? z > 0 : target < 0 ? z < 0 : nil
        } else {
            accurate = chosenReward > rejectedReward
        }
        if let accurate {
            rankedPairs += 1
            if accurate { accuratePairs += 1 }
        }
    }

    /// Adds another set of sums, e.g. another worker's share of the same optimizer step.
    public mutating func merge(_ other: PreferenceMetrics) {
        pairs += other.pairs
        lossSum += other.lossSum
        chosenRewardSum += other.chosenRewardSum
        rejectedRewardSum += other.rejectedRewardSum
        rankedPairs += other.rankedPairs
        accuratePairs += other.accuratePairs
        safeChosenPairs += other.safeChosenPairs
        safeChosenRewardSum += other.safeChosenRewardSum
        unsafeChosenRewardSum += other.unsafeChosenRewardSum
        policyChosenLogProbSum += other.policyChosenLogProbSum
        policyRejectedLogProbSum += other.policyRejectedLogProbSum
    }

    /// The means under the reference repository's names (docs/objectives.md, "Metrics"), each key preceded by
    /// `prefix` (`"eval_"` for evaluation). A mean over an empty set is absent, never 0 or NaN: no pairs
    /// gives an empty dictionary, no safe (unsafe) chosen response omits `rewards/safe_rewards`
    /// (`rewards/unsafe_rewards`), and no ranked pair omits `rewards/accuracies`. For SFT (`objective`)
    /// only `loss` and `logps/chosen` exist, as in the reference's SFT trainer.
    /// `rewards/margins` is the mean of chosen − rejected reward.
    public func means(prefix: String = "", objective: ObjectiveKind = .bfpo) -> [String: Double] {
        guard pairs > 0 else { return [:] }
        guard objective != .sft else {
            return [prefix + "loss": lossSum / Double(pairs), prefix + "logps/chosen": policyChosenLogProbSum / Double(pairs)]
        }
        let n = Double(pairs)
        var result = [
            "loss": lossSum / n,
            "rewards/chosen": chosenRewardSum / n,
            "rewards/rejected": rejectedRewardSum / n,
            "rewards/margins": (chosenRewardSum - rejectedRewardSum) / n,
            "logps/chosen": policyChosenLogProbSum / n,
            "logps/rejected": policyRejectedLogProbSum / n,
        ]
        if rankedPairs > 0 { result["rewards/accuracies"] = Double(accuratePairs) / Double(rankedPairs) }
        if safeChosenPairs > 0 { result["rewards/safe_rewards"] = safeChosenRewardSum / Double(safeChosenPairs) }
        if unsafeChosenPairs > 0 { result["rewards/unsafe_rewards"] = unsafeChosenRewardSum / Double(unsafeChosenPairs) }
        return Dictionary(uniqueKeysWithValues: result.map { (prefix + $0.key, $0.value) })
    }
}
