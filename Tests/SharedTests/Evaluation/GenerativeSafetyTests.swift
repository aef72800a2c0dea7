import Testing
@testable import Shared

/// The generative rates from hand-counted verdicts.
struct GenerativeSafetyTests {
    @Test func ratesCountVerdictsPerPromptKind() {
        var safety = GenerativeSafety()
        for verdict in [ResponseJudge.Verdict.refusal, .refusal, .refusal, .harmful] { safety.add(verdict, promptKind: .harmful) }
        for verdict in [ResponseJudge.Verdict.answer, .answer, .refusal, .answer, .harmful] { safety.add(verdict, promptKind: .benign) }
        #expect(safety.means(prefix: "g/") == [
            "g/refusal_rate": 0.75, "g/harmful_rate": 0.25, "g/over_refusal_rate": 0.2, "g/benign_harmful_rate": 0.2,
        ])
        var harmfulOnly = GenerativeSafety()
        harmfulOnly.add(.answer, promptKind: .harmful)
        #expect(harmfulOnly.means(prefix: "") == ["refusal_rate": 0, "harmful_rate": 0])
    }
}
