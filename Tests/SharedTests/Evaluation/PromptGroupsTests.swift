import Testing
@testable import Shared

/// Regrouping pair rows by prompt and labelling each distinct response from the rows.
struct PromptGroupsTests {
    func observe(_ prompt: [Int], _ response: [Int], safe: Bool, chosen: Bool, kind: PromptKind? = nil,
                 logp: Double = -1, line: Int = 1) -> ResponseObservation {
        ResponseObservation(prompt: prompt, response: response, safe: safe, chosen: chosen, promptKind: kind,
                            logProb: ResponseLogProb(policy: logp, reference: nil, tokens: response.count),
                            source: RowLocation(file: "pairs.jsonl", line: line))
    }

    @Test func responsesSharedByRowsAreOneResponseLabelledByChoiceAndSafety() throws {
        // Like the benchmark: prompt [1] has rows (HS ≻ refusal) and (HU ≻ the same refusal).
        let groups = try PromptGroups(observations: [
            observe([1], [10], safe: true, chosen: true, kind: .harmful, logp: -1, line: 1),
            observe([1], [11], safe: true, chosen: false, kind: .harmful, logp: -2, line: 1),
            observe([2], [12], safe: true, chosen: true, kind: .benign, logp: -3, line: 2),
            observe([2], [11], safe: true, chosen: false, kind: .benign, logp: -4, line: 2),
            observe([1], [13, 14], safe: false, chosen: true, kind: .harmful, logp: -5, line: 3),
            observe([1], [11], safe: true, chosen: false, kind: .harmful, logp: -9, line: 3),
        ])
        #expect(groups.conflictingResponses == 0)
        #expect(groups.groups.map(\.kind) == [.harmful, .benign])
        #expect(groups.groups.map(\.prompt) == [[1], [2]])
        #expect(groups.groups[0].responses.map(\.kind) == [.helpfulSafe, .unhelpfulSafe, .helpfulUnsafe])
        // The refusal keeps the score of its first row.
        #expect(groups.groups[0].responses.map(\.logProb.policy) == [-1, -2, -5])
        #expect(groups.groups[1].responses.map(\.kind) == [.helpfulSafe, .unhelpfulSafe])
    }

    @Test func responsesWithConflictingLabelsAreLeftOutAndCounted() throws {
        let groups = try PromptGroups(observations: [
            observe([1], [10], safe: true, chosen: true),
            observe([1], [11], safe: false, chosen: false),
            observe([1], [12], safe: true, chosen: true, line: 2),
            observe([1], [10], safe: true, chosen: false, line: 2),   // chosen before, rejected here
            observe([1], [13], safe: true, chosen: true, line: 3),
            observe([1], [11], safe: true, chosen: false, line: 3),  // unsafe before, safe here
        ])
        #expect(groups.conflictingResponses == 2)
        #expect(groups.groups[0].responses.map(\.kind) == [.helpfulSafe, .helpfulSafe])
    }

    @Test func undeclaredPromptsAreHarmfulWhenAnyResponseIsUnsafe() throws {
        let groups = try PromptGroups(observations: [
            observe([1], [10], safe: true, chosen: true), observe([1], [11], safe: false, chosen: false),
            observe([2], [10], safe: true, chosen: true), observe([2], [11], safe: true, chosen: false),
        ])
        #expect(groups.groups.map(\.kind) == [.harmful, .benign])
    }

    @Test func rowsDeclaringDifferentKindsForOnePromptAreRefused() {
        #expect(throws: DatasetError.invalidField(file: "pairs.jsonl", line: 4, field: "prompt_kind",
                                                  reason: "is \"benign\" but pairs.jsonl:2 declares \"harmful\" for the same prompt")) {
            try PromptGroups(observations: [
                observe([1], [10], safe: true, chosen: true, kind: .harmful, line: 2),
                observe([1], [11], safe: true, chosen: false, kind: .benign, line: 4),
            ])
        }
    }
}
