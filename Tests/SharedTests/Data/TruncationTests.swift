import Testing
@testable import Shared

struct TruncationTests {
    let source = RowLocation(file: "pairs.jsonl", line: 1)

    /// A pair sharing `prompt`, with responses appended and masked.
    func pair(prompt: [Int], chosen: [Int], rejected: [Int]) throws -> TokenizedPair {
        let p = [Bool](repeating: false, count: prompt.count)
        return try TokenizedPair(
            chosenIDs: prompt + chosen, chosenMask: p + chosen.map { _ in true },
            rejectedIDs: prompt + rejected, rejectedMask: p + rejected.map { _ in true },
            chosenSafe: true, rejectedSafe: false, source: source)
    }

    let limits = Truncation(maxLength: 8, maxPromptLength: 3)

    @Test func pairWithinMaxLengthIsUnchanged() throws {
        // prompt 5 + longer response 3 = 8 ≤ 8.
        let original = try pair(prompt: [1, 2, 3, 4, 5], chosen: [6, 7, 8], rejected: [9, 10])
        #expect(try limits.apply(to: original) == original)
    }

    @Test func longPromptKeepsItsLastTokens() throws {
        // prompt 6 + longer response 4 = 10 > 8: keep the last 3 prompt tokens; 3 + 4 = 7 fits.
        let truncated = try #require(try limits.apply(to: pair(prompt: [1, 2, 3, 4, 5, 6], chosen: [7, 8, 9, 10], rejected: [11, 12])))
        #expect(truncated.chosenIDs == [4, 5, 6, 7, 8, 9, 10])
        #expect(truncated.chosenMask == [false, false, false, true, true, true, true])
        #expect(truncated.rejectedIDs == [4, 5, 6, 11, 12])
        #expect(truncated.rejectedMask == [false, false, false, true, true])
    }

    @Test func longResponseIsCutToTheRoomLeft() throws {
        // prompt 2 (≤ 3, kept whole) + longer response 10 > 8: responses cut to 8 − 2 = 6 tokens.
        let truncated = try #require(try limits.apply(to: pair(prompt: [1, 2], chosen: Array(3...12), rejected: [20])))
        #expect(truncated.chosenIDs == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(truncated.chosenMask == [false, false] + [Bool](repeating: true, count: 6))
        #expect(truncated.rejectedIDs == [1, 2, 20])
    }

    @Test func promptFillingMaxLengthDropsThePair() throws {
        // max_prompt_length ≥ max_length: a 9-token prompt keeps 8 tokens, leaving no room for a response.
        let wide = Truncation(maxLength: 8, maxPromptLength: 8)
        #expect(try wide.apply(to: pair(prompt: Array(1...9), chosen: [10], rejected: [11])) == nil)
    }

    @Test func limitsThatCannotHoldAPairAreRefused() {
        #expect(throws: DatasetError.self) { try Truncation(maxLength: 1, maxPromptLength: 1).validate() }
        #expect(throws: DatasetError.self) { try Truncation(maxLength: 8, maxPromptLength: 0).validate() }
    }
}
