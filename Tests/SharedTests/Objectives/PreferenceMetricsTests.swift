import Foundation
import Testing
@testable import Shared

private func pair(
    _ pc: Double, _ pr: Double, _ rc: Double, _ rr: Double, chosenSafe: Bool, rejectedSafe: Bool
) throws -> PairLogProbs {
    try PairLogProbs(
        policyChosen: pc, policyRejected: pr, referenceChosen: rc, referenceRejected: rr,
        chosenSafe: chosenSafe, rejectedSafe: rejectedSafe, chosenTokens: 5
    )
}

private func metrics(_ pairs: [PairLogProbs], _ objective: Objective) -> PreferenceMetrics {
    var result = PreferenceMetrics()
    for p in pairs { result.add(p, loss: objective.evaluate(p), objective: objective) }
    return result
}

/// Four pairs, one per label combination; β = 0.01. Rewards r_c = β(pc − rc), r_r = β(pr − rr).
/// A: S=(1,0) z = (−10 + 20) − (−12 + 18) = 4,    t = 100: accurate;   r_c = 0.02,  r_r = −0.02
/// B: S=(0,1) z = (−30 + 25) − (−20 + 30) = −15,  t = −100: accurate;  r_c = −0.1,  r_r = 0.05
/// C: S=(1,1) z = (−8 + 9) − (−10 + 10) = 1,      t = 50: accurate;    r_c = 0.02,  r_r = 0.01
/// D: S=(0,0) z = (−5 + 15) − (−6 + 12) = 4,      t = −50: inaccurate; r_c = 0.01,  r_r = −0.03
private func fourPairs() throws -> [PairLogProbs] {
    [
        try pair(-10, -20, -12, -18, chosenSafe: true, rejectedSafe: false),
        try pair(-30, -25, -20, -30, chosenSafe: false, rejectedSafe: true),
        try pair(-8, -9, -10, -10, chosenSafe: true, rejectedSafe: true),
        try pair(-5, -15, -6, -12, chosenSafe: false, rejectedSafe: false),
    ]
}

@Test func bfpoMeansMatchHandComputedValues() throws {
    let means = metrics(try fourPairs(), try Objective(kind: .bfpo)).means()
    // Per-pair losses (z − t)²: 96² + 85² + 49² + 54² = 9216 + 7225 + 2401 + 2916 = 21758; / 4 = 5439.5.
    let expected: [String: Double] = [
        "loss": 5439.5,
        "rewards/chosen": -0.0125,  // (0.02 − 0.1 + 0.02 + 0.01)/4 = −0.05/4
        "rewards/rejected": 0.0025,  // (−0.02 + 0.05 + 0.01 − 0.03)/4 = 0.01/4
        "rewards/margins": -0.015,  // −0.0125 − 0.0025
        "rewards/accuracies": 0.75,  // A, B, C of 4
        "rewards/safe_rewards": 0.02,  // A, C: (0.02 + 0.02)/2
        "rewards/unsafe_rewards": -0.045,  // B, D: (−0.1 + 0.01)/2
        "logps/chosen": -13.25,  // (−10 − 30 − 8 − 5)/4
        "logps/rejected": -17.25,  // (−20 − 25 − 9 − 15)/4
    ]
    #expect(Set(means.keys) == Set(expected.keys))
    // Rewards carry β = 0.01 (inexact in binary): 1e-12 absolute; loss 1e-12 relative.
    for (key, value) in expected {
        let got = try #require(means[key])
        #expect(abs(got - value) <= 1e-12 * max(1, abs(value)), "\(key): \(got) vs \(value)")
    }
}

@Test func bfpoAccuracyFollowsTheSignOfTheTarget() throws {
    let bfpo = try Objective(kind: .bfpo)
    let dpo = try Objective(kind: .dpo)
    let pairs = try fourPairs()
    // B: target −100 and z = −15 < 0, so BFPO counts it accurate though its chosen reward is lower;
    // the reference rule (used for DPO) does not.
    #expect(metrics([pairs[1]], bfpo).means()["rewards/accuracies"] == 1)
    #expect(metrics([pairs[1]], dpo).means()["rewards/accuracies"] == 0)
    // D: target −50 but z = 4 > 0: inaccurate for BFPO; chosen reward 0.01 > −0.03: accurate for DPO.
    #expect(metrics([pairs[3]], bfpo).means()["rewards/accuracies"] == 0)
    #expect(metrics([pairs[3]], dpo).means()["rewards/accuracies"] == 1)
}

@Test func zeroTargetPairIsLeftOutOfAccuracy() throws {
    // α = 1: both-safe target = (1.5 − 0.5 − 1)/0.01 = 0, which prescribes no order.
    let objective = try Objective(kind: .bfpo, parameters: ObjectiveParameters(alpha: 1))
    let bothSafe = try pair(-8, -9, -10, -10, chosenSafe: true, rejectedSafe: true)
    #expect(objective.target(chosenSafe: true, rejectedSafe: true) == 0)
    let alone = metrics([bothSafe], objective)
    #expect(alone.rankedPairs == 0)
    #expect(alone.means()["rewards/accuracies"] == nil)
    #expect(alone.means()["loss"] == 1)  // (z − 0)² = 1² = 1
    // With pair A (target (1.5 − 1)/0.01 = 50, z = 4: accurate) the accuracy is 1/1, not 1/2.
    let withRanked = metrics([bothSafe, try fourPairs()[0]], objective)
    #expect(withRanked.means()["rewards/accuracies"] == 1)
}

@Test func safeAndUnsafeRewardsAreAbsentForEmptySubsets() throws {
    let objective = try Objective(kind: .bfpo)
    let pairs = try fourPairs()
    let safeOnly = metrics([pairs[0], pairs[2]], objective).means()
    #expect(safeOnly["rewards/unsafe_rewards"] == nil)
    #expect(abs(try #require(safeOnly["rewards/safe_rewards"]) - 0.02) <= 1e-12)
    let unsafeOnly = metrics([pairs[1], pairs[3]], objective).means()
    #expect(unsafeOnly["rewards/safe_rewards"] == nil)
    #expect(abs(try #require(unsafeOnly["rewards/unsafe_rewards"]) + 0.045) <= 1e-12)
    #expect(PreferenceMetrics().means().isEmpty)
    #expect(!unsafeOnly.values.contains { $0.isNaN })
}

@Test func mergedShardsEqualOneBigBatch() throws {
    // 97 pseudo-random pairs (fixed LCG), all label combinations, split unevenly as three workers would.
    var state: UInt64 = 12345
    func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var pairs: [PairLogProbs] = []
    for _ in 0..<97 {
        pairs.append(try pair(-200 * next(), -200 * next(), -200 * next(), -200 * next(),
                              chosenSafe: next() < 0.5, rejectedSafe: next() < 0.5))
    }
    for kind in ObjectiveKind.allCases {
        let objective = try Objective(kind: kind)
        let whole = metrics(pairs, objective)
        var merged = PreferenceMetrics()
        for part in [pairs[0..<10], pairs[10..<61], pairs[61...]] { merged.merge(metrics(Array(part), objective)) }
        // Counts are integers and must match exactly; sums differ only by the order of Double additions,
        // so means agree to 1e-12 relative.
        #expect(merged.pairs == whole.pairs && merged.rankedPairs == whole.rankedPairs)
        #expect(merged.accuratePairs == whole.accuratePairs && merged.safeChosenPairs == whole.safeChosenPairs)
        let (a, b) = (merged.means(), whole.means())
        #expect(Set(a.keys) == Set(b.keys))
        for (key, value) in b {
            let got = try #require(a[key])
            #expect(abs(got - value) <= 1e-12 * max(1, abs(value)), "\(kind) \(key): \(got) vs \(value)")
        }
        var withEmpty = whole
        withEmpty.merge(PreferenceMetrics())
        #expect(withEmpty == whole)
    }
}

@Test func meansCarryThePrefix() throws {
    let means = metrics(try fourPairs(), try Objective(kind: .dpo)).means(prefix: "eval_")
    #expect(means.count == 9)
    #expect(means.keys.allSatisfy { $0.hasPrefix("eval_") })
    #expect(means["eval_rewards/safe_rewards"] != nil)
}

@Test func metricsRoundTripThroughJSONAndRejectBrokenSums() throws {
    let original = metrics(try fourPairs(), try Objective(kind: .bfpo))
    let decoded = try JSONDecoder().decode(PreferenceMetrics.self, from: JSONEncoder().encode(original))
    #expect(decoded == original)
    func build(pairs: Int = 2, ranked: Int = 2, accurate: Int = 1, safe: Int = 1, unsafeSum: Double = 0.5,
               loss: Double = 1) throws -> PreferenceMetrics {
        try PreferenceMetrics(
            pairs: pairs, lossSum: loss, chosenRewardSum: 0.5, rejectedRewardSum: 0, rankedPairs: ranked,
            accuratePairs: accurate, safeChosenPairs: safe, safeChosenRewardSum: 0, unsafeChosenRewardSum: unsafeSum,
            policyChosenLogProbSum: -3, policyRejectedLogProbSum: -4)
    }
    #expect(try build().unsafeChosenPairs == 1)
    #expect(throws: ObjectiveError.self) { try build(pairs: -1) }
    #expect(throws: ObjectiveError.self) { try build(ranked: 3) }
    #expect(throws: ObjectiveError.self) { try build(accurate: 3) }
    #expect(throws: ObjectiveError.self) { try build(safe: 3) }
    #expect(throws: ObjectiveError.self) { try build(safe: 2) }  // no unsafe pair, yet an unsafe sum of 0.5
    #expect(throws: ObjectiveError.self) { try build(loss: .nan) }
}

@Test func sftPairsCarryOnlyTheLossAndTheChosenLogProb() throws {
    let sft = try Objective(kind: .sft)
    let pairs = try fourPairs()
    let summed = metrics(pairs, sft)
    #expect(summed.pairs == 4)
    #expect(summed.chosenRewardSum == 0 && summed.rejectedRewardSum == 0 && summed.policyRejectedLogProbSum == 0)
    #expect(summed.rankedPairs == 0)
    let means = summed.means(prefix: "eval_", objective: .sft)
    #expect(Set(means.keys) == ["eval_loss", "eval_logps/chosen"])
    let expectedLoss = pairs.map { sft.evaluate($0).loss }.reduce(0, +) / 4
    #expect(abs(try #require(means["eval_loss"]) - expectedLoss) <= 1e-12)
    #expect(abs(try #require(means["eval_logps/chosen"]) - pairs.map(\.policyChosen).reduce(0, +) / 4) <= 1e-12)
}
