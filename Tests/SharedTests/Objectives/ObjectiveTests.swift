import Foundation
import Testing
@testable import Shared

/// A pair with the given log-probs (pc, pr, rc, rr); labels and token count as given.
private func pair(
    _ pc: Double, _ pr: Double, _ rc: Double, _ rr: Double,
    chosenSafe: Bool = true, rejectedSafe: Bool = false, chosenTokens: Int = 4
) throws -> PairLogProbs {
    try PairLogProbs(
        policyChosen: pc, policyRejected: pr, referenceChosen: rc, referenceRejected: rr,
        chosenSafe: chosenSafe, rejectedSafe: rejectedSafe, chosenTokens: chosenTokens
    )
}

/// |actual − expected| ≤ tolerance · max(1, |expected|): absolute near 0, relative for large values.
private func nearlyEqual(_ actual: Double, _ expected: Double, _ tolerance: Double) -> Bool {
    abs(actual - expected) <= tolerance * max(1, abs(expected))
}

private let labelCombinations = [(true, false), (true, true), (false, false), (false, true)]

@Test func bfpoTargetsAtDefaultsFollowTheGlobalRanking() throws {
    let objective = try Objective(kind: .bfpo)
    // b1 = 3, b3 = 1/(3 − 1) = 0.5, α = 0.5, β = 0.01; target = (1.5·Sc − 0.5·Sr − 0.5) / 0.01.
    // (1,0): (1.5 − 0 − 0.5)/0.01 = 100;  (1,1): (1.5 − 0.5 − 0.5)/0.01 = 50
    // (0,0): (0 − 0 − 0.5)/0.01 = −50;    (0,1): (0 − 0.5 − 0.5)/0.01 = −100
    let expected = [100.0, 50, -50, -100]
    for ((chosenSafe, rejectedSafe), value) in zip(labelCombinations, expected) {
        let target = try #require(objective.target(chosenSafe: chosenSafe, rejectedSafe: rejectedSafe))
        #expect(nearlyEqual(target, value, 1e-12), "S_c=\(chosenSafe) S_r=\(rejectedSafe): \(target) vs \(value)")
    }
}

@Test func bfpoTargetUsesNonDefaultParameters() throws {
    let objective = try Objective(kind: .bfpo, parameters: ObjectiveParameters(beta: 0.1, b1: 5, alpha: 0.2))
    // b3 = 1/(5 − 1) = 0.25; (1,0): (5·0.25·1 − 0.25·0 − 0.2)/0.1 = (1.25 − 0.2)/0.1 = 10.5
    let target = try #require(objective.target(chosenSafe: true, rejectedSafe: false))
    #expect(nearlyEqual(target, 10.5, 1e-12))
}

@Test func onlyBFPOHasATarget() throws {
    for kind in [ObjectiveKind.dpo, .ipo, .sft] {
        #expect(try Objective(kind: kind).target(chosenSafe: true, rejectedSafe: false) == nil)
    }
}

@Test func bfpoLossAndDerivativesForAllLabelCombinations() throws {
    let objective = try Objective(kind: .bfpo)
    // pc = −10, pr = −20, rc = −12, rr = −18: z = (−10 + 20) − (−12 + 18) = 10 − 6 = 4.
    // loss = (z − t)², d/dpc = 2(z − t), d/dpr = −2(z − t):
    // t = 100:  (−96)² = 9216,  d/dpc = −192
    // t = 50:   (−46)² = 2116,  d/dpc = −92
    // t = −50:  54² = 2916,     d/dpc = 108
    // t = −100: 104² = 10816,   d/dpc = 208
    let expected: [(loss: Double, dChosen: Double)] = [(9216, -192), (2116, -92), (2916, 108), (10816, 208)]
    for ((chosenSafe, rejectedSafe), want) in zip(labelCombinations, expected) {
        let p = try pair(-10, -20, -12, -18, chosenSafe: chosenSafe, rejectedSafe: rejectedSafe)
        let got = objective.evaluate(p)
        // Targets are 100/50/−50/−100 to within an ulp, so 1e-9 relative covers the squared error.
        #expect(nearlyEqual(got.loss, want.loss, 1e-9), "S_c=\(chosenSafe) S_r=\(rejectedSafe): loss \(got.loss)")
        #expect(nearlyEqual(got.dPolicyChosen, want.dChosen, 1e-9))
        #expect(nearlyEqual(got.dPolicyRejected, -want.dChosen, 1e-9))
    }
}

@Test func dpoLossAndDerivativesMatchHandComputedValues() throws {
    let objective = try Objective(kind: .dpo)
    // z = (−30 + 120) − (−35 + 25) = 90 + 10 = 100, βz = 1.
    // loss = −log σ(1) = log(1 + e^−1) = 0.31326168751822286
    // d/dpc = −β σ(−1) = −0.01 / (1 + e) = −0.002689414213699951, d/dpr = +0.002689414213699951
    let got = objective.evaluate(try pair(-30, -120, -35, -25))
    #expect(nearlyEqual(got.loss, 0.31326168751822286, 1e-14))
    #expect(nearlyEqual(got.dPolicyChosen, -0.002689414213699951, 1e-14))
    #expect(nearlyEqual(got.dPolicyRejected, 0.002689414213699951, 1e-14))
    // z = 0: loss = log 2 = 0.6931471805599453, d/dpc = −β/2 = −0.005.
    let even = objective.evaluate(try pair(-10, -20, -10, -20))
    #expect(nearlyEqual(even.loss, 0.6931471805599453, 1e-14))
    #expect(nearlyEqual(even.dPolicyChosen, -0.005, 1e-14))
    #expect(nearlyEqual(even.dPolicyRejected, 0.005, 1e-14))
}

@Test func dpoStaysFiniteForLargeMargins() throws {
    let objective = try Objective(kind: .dpo)
    // z = +1e5, βz = 1000: loss = softplus(−1000) = log1p(e^−1000) = 0 in Double; d = −β σ(−1000) = 0.
    let winning = objective.evaluate(try pair(0, -1e5, 0, 0))
    #expect(winning.loss == 0)
    #expect(winning.dPolicyChosen == 0 && winning.dPolicyRejected == 0)
    // z = −1e5, βz = −1000: loss = softplus(1000) = 1000 + log1p(e^−1000) = 1000; d/dpc = −β σ(1000) = −0.01.
    let losing = objective.evaluate(try pair(-1e5, 0, 0, 0))
    #expect(nearlyEqual(losing.loss, 1000, 1e-15))
    #expect(nearlyEqual(losing.dPolicyChosen, -0.01, 1e-15))
    #expect(nearlyEqual(losing.dPolicyRejected, 0.01, 1e-15))
}

@Test func ipoLossAndDerivativesMatchHandComputedValues() throws {
    let objective = try Objective(kind: .ipo)
    // z = (−20 + 60) − (−25 + 35) = 40 − 10 = 30; 1/(2β) = 1/0.02 = 50.
    // loss = (30 − 50)² = 400, d/dpc = 2·(−20) = −40, d/dpr = 40.
    let got = objective.evaluate(try pair(-20, -60, -25, -35))
    #expect(nearlyEqual(got.loss, 400, 1e-12))
    #expect(nearlyEqual(got.dPolicyChosen, -40, 1e-12))
    #expect(nearlyEqual(got.dPolicyRejected, 40, 1e-12))
}

@Test func sftLossIsMeanTokenNLLOfChosenOnly() throws {
    let objective = try Objective(kind: .sft)
    // pc = −12 over 4 tokens: loss = 12/4 = 3, d/dpc = −1/4, d/dpr = 0; pr, rc, rr and labels play no part.
    let a = objective.evaluate(try pair(-12, -20, -12, -18, chosenTokens: 4))
    let b = objective.evaluate(try pair(-12, -1, -3, -40, chosenSafe: false, rejectedSafe: true, chosenTokens: 4))
    #expect(a == PairLoss(loss: 3, dPolicyChosen: -0.25, dPolicyRejected: 0))
    #expect(b == a)
}

@Test func derivativesMatchCentralFiniteDifferences() throws {
    // (f(x + h) − f(x − h)) / 2h with h = 1e-3: exact for the quadratics up to rounding (~ε·loss/h ≈ 1e-9),
    // O(h²·β³) ≈ 1e-12 for DPO; tolerance 1e-6 relative (absolute below 1).
    let h = 1e-3
    let tolerance = 1e-6
    var worst = 0.0
    let points: [(Double, Double, Double, Double)] = [(-10, -20, -12, -18), (-30, -120, -35, -25), (-80, -40, -60, -65)]
    for kind in ObjectiveKind.allCases {
        let objective = try Objective(kind: kind)
        for (pc, pr, rc, rr) in points {
            for (chosenSafe, rejectedSafe) in labelCombinations {
                func loss(_ pc: Double, _ pr: Double) throws -> Double {
                    objective.evaluate(try pair(pc, pr, rc, rr, chosenSafe: chosenSafe, rejectedSafe: rejectedSafe, chosenTokens: 7)).loss
                }
                let analytic = objective.evaluate(try pair(pc, pr, rc, rr, chosenSafe: chosenSafe, rejectedSafe: rejectedSafe, chosenTokens: 7))
                let dChosen = (try loss(pc + h, pr) - loss(pc - h, pr)) / (2 * h)
                let dRejected = (try loss(pc, pr + h) - loss(pc, pr - h)) / (2 * h)
                for (numeric, exact) in [(dChosen, analytic.dPolicyChosen), (dRejected, analytic.dPolicyRejected)] {
                    worst = max(worst, abs(numeric - exact) / max(1, abs(exact)))
                    #expect(nearlyEqual(numeric, exact, tolerance), "\(kind) at \((pc, pr, rc, rr)): \(numeric) vs \(exact)")
                }
            }
        }
    }
    print("objective derivatives vs central differences (h = \(h)): worst relative error \(worst)")
}

@Test func invalidParametersAreRejectedWithTheirName() throws {
    let cases: [(ObjectiveParameters, String)] = [
        (ObjectiveParameters(beta: 0), "beta"), (ObjectiveParameters(beta: -0.1), "beta"),
        (ObjectiveParameters(beta: .infinity), "beta"), (ObjectiveParameters(beta: .nan), "beta"),
        (ObjectiveParameters(beta: .leastNonzeroMagnitude), "beta"),
        (ObjectiveParameters(b1: 1), "b1"), (ObjectiveParameters(b1: .nan), "b1"),
        (ObjectiveParameters(alpha: .infinity), "alpha"),
    ]
    for (parameters, name) in cases {
        do {
            _ = try Objective(kind: .bfpo, parameters: parameters)
            Issue.record("\(parameters) was accepted")
        } catch let ObjectiveError.invalidParameter(rejected, _, _) {
            #expect(rejected == name)
        }
    }
}

@Test func parametersDecodeWithDefaultsAndValidation() throws {
    let decoded = try JSONDecoder().decode(ObjectiveParameters.self, from: Data(#"{"beta": 0.1}"#.utf8))
    #expect(decoded == ObjectiveParameters(beta: 0.1, b1: 3, alpha: 0.5))
    #expect(throws: ObjectiveError.self) {
        try JSONDecoder().decode(ObjectiveParameters.self, from: Data(#"{"b1": 1}"#.utf8))
    }
}

@Test func pairsWithNonFiniteLogProbsOrNoChosenTokensAreRejected() {
    #expect(throws: ObjectiveError.self) { try pair(.nan, -1, -1, -1) }
    #expect(throws: ObjectiveError.self) { try pair(-1, -1, -.infinity, -1) }
    #expect(throws: ObjectiveError.self) { try pair(-1, -1, -1, -1, chosenTokens: 0) }
}
