/// How to complete a list of prompts: at most `maxNewTokens` tokens each, greedy at temperature 0 or
/// sampled with `topP`; prompt i (0-based) draws from the stream seeded with `seed + i`, so each
/// completion is reproducible on its own, whatever the prompts before it.
public struct GenerationSettings: Sendable, Equatable {
    public var maxNewTokens: Int
    public var temperature: Double
    public var topP: Double
    public var seed: UInt64

    public init(maxNewTokens: Int, temperature: Double = 0, topP: Double = 1, seed: UInt64 = 0) {
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
    }

    /// The sampler of prompt `index`.
    /// - Throws: `TokenSampler.Failure` for a bad temperature or top-p.
    public func sampler(prompt index: Int, vocabulary: Int) throws -> TokenSampler {
        try TokenSampler(temperature: temperature, topP: topP, seed: seed &+ UInt64(index), vocabulary: vocabulary)
    }
}
