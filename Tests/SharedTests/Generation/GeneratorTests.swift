import Testing
@testable import Shared

/// Generation with the cached decoder against full forward passes re-run at every step, its stops,
/// and its reproducibility from a seed.
struct GeneratorTests {
    let config = ModelFixtures.config
    let parameters = ModelFixtures.parameters(seed: 3)
    let prompt = [1, 5, 2, 7]

    func generator() throws -> Generator {
        try Generator(config: config, parameters: FloatBuffer(parameters.map(Float.init)))
    }

    func greedy() throws -> TokenSampler { try TokenSampler(vocabulary: config.vocabulary) }

    @Test func greedyGenerationIsTheArgmaxOfAFullForwardPassAtEachStep() throws {
        let oracle = ReferenceGPT2(config: config)
        var ids = prompt
        for _ in 0..<12 {
            let logits = oracle.logits(parameters: parameters, ids: ids).last!
            ids.append(logits.indices.max { logits[$0] < logits[$1] }!)
        }
        var sampler = try greedy()
        let generation = try generator().generate(prompt: prompt, eos: nil, maxNewTokens: 12, sampler: &sampler)
        #expect(generation == Generation(ids: Array(ids[prompt.count...]), stop: .length))
    }

    @Test func stopsAtEosWithoutIncludingIt() throws {
        let generator = try generator()
        var sampler = try greedy()
        let free = try generator.generate(prompt: prompt, eos: nil, maxNewTokens: 3, sampler: &sampler)
        #expect(try generator.generate(prompt: prompt, eos: free.ids[0], maxNewTokens: 3, sampler: &sampler)
                == Generation(ids: [], stop: .eos))
        if free.ids[1] != free.ids[0] {
            #expect(try generator.generate(prompt: prompt, eos: free.ids[1], maxNewTokens: 3, sampler: &sampler)
                    == Generation(ids: [free.ids[0]], stop: .eos))
        }
    }

    @Test func stopsWhenTheContextIsFullAndRefusesAPromptThatFillsIt() throws {
        let generator = try generator()
        var sampler = try greedy()
        let long = [Int](repeating: 4, count: 78)
        let generation = try generator.generate(prompt: long, eos: nil, maxNewTokens: 10, sampler: &sampler)
        #expect(generation.ids.count == 2 && generation.stop == .context)
        #expect(throws: DecoderError.promptTooLong(tokens: 80, positions: 80)) {
            try generator.generate(prompt: [Int](repeating: 4, count: 80), eos: nil, maxNewTokens: 1, sampler: &sampler)
        }
    }

    @Test func sampledGenerationIsReproducibleFromItsSeed() throws {
        let generator = try generator()
        // Temperature 100 makes the 13 tokens nearly equally likely: 40 tokens from two seeds agree with
        // probability about 13⁻⁴⁰.
        func run(seed: UInt64) throws -> [Int] {
            var sampler = try TokenSampler(temperature: 100, seed: seed, vocabulary: config.vocabulary)
            return try generator.generate(prompt: prompt, eos: nil, maxNewTokens: 40, sampler: &sampler).ids
        }
        let first = try run(seed: 11)
        #expect(first.count == 40)
        #expect(try run(seed: 11) == first)
        #expect(try run(seed: 12) != first)
    }
}
