import Foundation
import Testing
@testable import Shared

/// Greedy and sampled token choice: the argmax, reproducibility from a seed, the nucleus, and refusals.
struct TokenSamplerTests {
    func draw(_ sampler: inout TokenSampler, _ logits: [Float]) -> Int {
        logits.withUnsafeBufferPointer { sampler.next($0) }
    }

    @Test func greedyTakesTheFirstLargestLogit() throws {
        var sampler = try TokenSampler(vocabulary: 4)
        #expect(sampler.isGreedy)
        #expect(draw(&sampler, [1, 3, 3, 2]) == 1)
        #expect(draw(&sampler, [.nan, -1, 0, -2]) == 2)
    }

    @Test func theSameSeedDrawsTheSameTokensAndAnotherSeedOthers() throws {
        // 1000 equally likely tokens, 20 draws: two seeds agreeing everywhere would have probability 1e-60.
        let logits = [Float](repeating: 0, count: 1000)
        func tokens(seed: UInt64) throws -> [Int] {
            var sampler = try TokenSampler(temperature: 1, seed: seed, vocabulary: 1000)
            return (0..<20).map { _ in draw(&sampler, logits) }
        }
        #expect(try tokens(seed: 7) == tokens(seed: 7))
        #expect(try tokens(seed: 7) != tokens(seed: 8))
    }

    @Test func samplesFollowTheSoftmaxAndStayInTheNucleus() throws {
        // p = (0.5, 0.3, 0.15, 0.05). With top-p 0.7 the nucleus is {0, 1} (0.5 < 0.7 ≤ 0.8), renormalised
        // to (0.625, 0.375); with top-p 0.4 it is token 0 alone.
        let logits = [0.5, 0.3, 0.15, 0.05].map { Float(log($0)) }
        var nucleus = try TokenSampler(temperature: 1, topP: 0.7, seed: 1, vocabulary: 4)
        var counts = [0, 0, 0, 0]
        for _ in 0..<4000 { counts[draw(&nucleus, logits)] += 1 }
        #expect(counts[2] == 0 && counts[3] == 0, "\(counts)")
        // 4000 draws: the standard deviation of the share is 0.008, so 0.04 is five of them.
        #expect(abs(Double(counts[0]) / 4000 - 0.625) < 0.04, "\(counts)")
        var whole = try TokenSampler(temperature: 1, seed: 2, vocabulary: 4)
        counts = [0, 0, 0, 0]
        for _ in 0..<4000 { counts[draw(&whole, logits)] += 1 }
        for (token, p) in [0.5, 0.3, 0.15, 0.05].enumerated() {
            #expect(abs(Double(counts[token]) / 4000 - p) < 0.04, "token \(token): \(counts)")
        }
        var top = try TokenSampler(temperature: 1, topP: 0.4, seed: 3, vocabulary: 4)
        #expect((0..<200).allSatisfy { _ in draw(&top, logits) == 0 })
    }

    @Test func refusesInvalidSettings() {
        #expect(throws: TokenSampler.Failure.invalidTemperature(-1)) { try TokenSampler(temperature: -1, vocabulary: 4) }
        #expect(throws: TokenSampler.Failure.invalidTopP(0)) { try TokenSampler(temperature: 1, topP: 0, vocabulary: 4) }
        #expect(throws: TokenSampler.Failure.invalidTopP(1.5)) { try TokenSampler(temperature: 1, topP: 1.5, vocabulary: 4) }
    }
}
