import Testing
@testable import Shared

@Suite struct BLASSelfTestTests {
    @Test func thisMachinesBLASPasses() {
        let outcome = BLASSelfTest.run()
        #expect(outcome.passed, "\(outcome)")
        #expect(outcome.error < outcome.tolerance / 10, "too little margin: \(outcome)")
    }

    @Test func theProblemsCoverOddShapesAndEveryTransposeCombination() {
        let problems = BLASSelfTest.problems
        #expect(problems.count == 20)
        #expect(Set(problems.map { "\($0.transA)\($0.transB)" }).count == 4)
        #expect(problems.contains { $0.m == 129 && $0.n == 3 && $0.k == 257 })
        #expect(problems.allSatisfy { $0.alpha != 1 && $0.beta != 0 })
    }

    @Test func oneWrongElementFailsNamingItsProduct() {
        let outcome = BLASSelfTest.run { problem, a, b, c in
            BLASSelfTest.blasProduct(problem, a, b, &c)
            if problem.m == 33, problem.transA == .transpose, problem.transB == .none { c[c.count - 1] += 1e-3 }
        }
        #expect(!outcome.passed)
        #expect(outcome.worst.m == 33 && outcome.worst.transA == .transpose && outcome.worst.transB == .none)
        #expect(outcome.description.hasPrefix("failed; worst 33×65×17 (m×n×k) with Aᵀ·B"))
    }

    @Test func aProductThatIgnoresTheTransposeOrBetaFails() {
        // B has k·n elements either way, so reading it untransposed stays in bounds and is wrong.
        let transposeIgnored = BLASSelfTest.run { problem, a, b, c in
            var plain = problem
            plain.transB = .none
            BLASSelfTest.blasProduct(plain, a, b, &c)
        }
        #expect(!transposeIgnored.passed)
        let betaIgnored = BLASSelfTest.run { problem, a, b, c in
            var noBeta = problem
            noBeta.beta = 0
            BLASSelfTest.blasProduct(noBeta, a, b, &c)
        }
        #expect(!betaIgnored.passed)
    }

    @Test func nonFiniteResultsFail() {
        let outcome = BLASSelfTest.run { problem, a, b, c in
            BLASSelfTest.blasProduct(problem, a, b, &c)
            if problem.m == 7 { c[0] = .nan }
        }
        #expect(!outcome.passed)
        #expect(outcome.worst.m == 7)
    }
}
