import Testing
@testable import Shared

/// `DatasetSummary`: label counts, nearest-rank percentiles, truncation counts.
struct DatasetSummaryTests {
    func pair(prompt: Int, chosen: Int, rejected: Int, safe: (Bool, Bool)) throws -> TokenizedPair {
        let p = [Bool](repeating: false, count: prompt)
        return try TokenizedPair(
            chosenIDs: [Int](repeating: 1, count: prompt + chosen), chosenMask: p + [Bool](repeating: true, count: chosen),
            rejectedIDs: [Int](repeating: 2, count: prompt + rejected), rejectedMask: p + [Bool](repeating: true, count: rejected),
            chosenSafe: safe.0, rejectedSafe: safe.1, source: RowLocation(file: "d", line: 1))
    }

    @Test func nearestRankPercentiles() {
        let values = Array(1...10)
        #expect(DatasetSummary.percentile(values, 50) == 5)
        #expect(DatasetSummary.percentile(values, 90) == 9)
        #expect(DatasetSummary.percentile(values, 95) == 10)
        #expect(DatasetSummary.percentile(values, 0) == 1)
        #expect(DatasetSummary.percentile([7], 99) == 7)
        #expect(DatasetSummary.percentile([], 50) == 0)
        let lengths = DatasetSummary.Lengths([4, 1, 3, 2])
        #expect(lengths == .init(count: 4, min: 1, p50: 2, p90: 4, p95: 4, p99: 4, max: 4, mean: 2.5))
    }

    @Test func countsLabelsLengthsAndTruncation() throws {
        let pairs = [
            try pair(prompt: 3, chosen: 2, rejected: 1, safe: (true, true)),
            try pair(prompt: 5, chosen: 4, rejected: 6, safe: (true, false)),
            try pair(prompt: 10, chosen: 1, rejected: 1, safe: (false, true)),
            try pair(prompt: 1, chosen: 3, rejected: 3, safe: (true, false)),
        ]
        // max_length 8, max_prompt_length 8: pair 2 (5 + 6) is cut, pair 3 (prompt 10 → 8) is dropped.
        let summary = try DatasetSummary(pairs: pairs, truncation: Truncation(maxLength: 8, maxPromptLength: 8), skipped: 2)
        #expect(summary.pairs == 4)
        #expect(summary.labels == .init(chosenSafeRejectedSafe: 1, chosenSafeRejectedUnsafe: 2, chosenUnsafeRejectedSafe: 1, chosenUnsafeRejectedUnsafe: 0))
        #expect(summary.promptTokens == .init(count: 4, min: 1, p50: 3, p90: 10, p95: 10, p99: 10, max: 10, mean: 4.75))
        // Responses pooled: 2, 1, 4, 6, 1, 1, 3, 3 → sorted 1 1 1 2 3 3 4 6.
        #expect(summary.responseTokens == .init(count: 8, min: 1, p50: 2, p90: 6, p95: 6, p99: 6, max: 6, mean: 2.625))
        #expect(summary.truncated == 1 && summary.dropped == 1 && summary.skipped == 2)
        #expect(summary.lines == [
            "pairs: 4",
            "labels (S_c, S_r): (1, 1) 1, (1, 0) 2, (0, 1) 1, (0, 0) 0",
            "prompt tokens: min 1, p50 3, p90 10, p95 10, p99 10, max 10, mean 4.8",
            "response tokens (chosen and rejected): min 1, p50 2, p90 6, p95 6, p99 6, max 6, mean 2.6",
            "truncation: 1 pairs truncated, 1 dropped",
            "skipped rows (--skip-invalid): 2",
        ])
        let limits = Truncation(maxLength: 8, maxPromptLength: 8)
        let outcome = try limits.apply(to: pairs)
        #expect(outcome.pairs.count == 3 && outcome.truncated == 1 && outcome.dropped == 1 && outcome.total == 4)
        #expect(limits.summary(of: outcome)
                == "max_length 8, max_prompt_length 8: 1 of 4 pairs truncated, 1 dropped (prompt leaves no room for a response token)")
    }
}
