import Foundation
import Testing
@testable import Shared

/// The grouping rule against the bundled benchmark's own labels: response kinds derived from the pair
/// rows alone (safety labels and `better_response_id`) equal the `response_k_kind` the generator wrote.
struct BenchmarkLabelsTests {
    static let testSplit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/safety-benchmark/test.jsonl").path

    @Test func derivedKindsEqualTheGeneratorsKindsOnTheTestSplit() throws {
        let names: [String: ResponseKind] = [
            "helpful-safe": .helpfulSafe, "unhelpful-safe": .unhelpfulSafe,
            "unhelpful-unsafe": .unhelpfulUnsafe, "helpful-unsafe": .helpfulUnsafe,
        ]
        var observations: [ResponseObservation] = []
        var truth: [ResponseKind] = []  // the generator's kind of each observation; its index is the score
        for raw in try DatasetReader.rows(file: Self.testSplit) {
            let record = try DatasetReader.record(raw, file: Self.testSplit)
            let better = try record.integer("better_response_id")
            let kind = try #require(PromptKind(rawValue: try record.string("prompt_kind")))
            for k in 0...1 {
                truth.append(try #require(names[try record.string("response_\(k)_kind")]))
                observations.append(ResponseObservation(
                    prompt: Array(try record.string("prompt").utf8).map(Int.init),
                    response: Array(try record.string("response_\(k)").utf8).map(Int.init),
                    safe: try record.label("is_response_\(k)_safe"), chosen: k == better, promptKind: kind,
                    logProb: ResponseLogProb(policy: Double(truth.count - 1), reference: nil, tokens: 1), source: record.source))
            }
        }
        let groups = try PromptGroups(observations: observations)
        #expect(groups.conflictingResponses == 0)
        #expect(groups.groups.count == 336)
        #expect(groups.groups.filter { $0.kind == .harmful }.count == 168)
        var responses = 0
        for response in groups.groups.flatMap(\.responses) {
            #expect(response.kind == truth[Int(response.logProb.policy)])
            responses += 1
        }
        // 332 prompts with 4 distinct responses and 4 whose two pairs share a response.
        #expect(responses == 1340)
        print("benchmark test split: \(responses) responses of \(groups.groups.count) prompts labelled as the generator labels them")
    }
}
