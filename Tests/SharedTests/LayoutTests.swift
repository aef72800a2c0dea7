import Testing
@testable import Shared

@Test func gpt2SmallLayoutHasHuggingFaceParameterCount() {
    let config = GPT2Config(layers: 12, heads: 12, embedding: 768, positions: 1024, vocabulary: 50257)
    let layout = ParameterLayout(config: config)
    #expect(layout.count == 124_439_808)
    #expect(ParameterLayout.parameterCount(of: config) == layout.count)
    #expect(layout.tensors.count == 2 + 12 * 12 + 2)
    #expect(layout.tensors.first?.name == "transformer.wte.weight")
    #expect(layout.tensor(named: "transformer.h.11.mlp.c_proj.bias")?.shape == [768])
    for (a, b) in zip(layout.tensors, layout.tensors.dropFirst()) { #expect(b.offset == a.range.upperBound) }
}

/// Sizes from a file or the network may be anything: a count that does not fit an `Int` is nil, never a
/// trap, and `validate` refuses the sizes before any product is taken.
@Test func parameterCountsThatOverflowAreNilAndTheirConfigsRefused() {
    let huge = GPT2Config(layers: 1 << 40, heads: 1, embedding: 1 << 40, positions: 4, vocabulary: 8)
    #expect(ParameterLayout.parameterCount(of: huge) == nil)
    #expect(throws: ModelError.self) { try huge.validate() }
    let beyond = GPT2Config(layers: (1 << 40) + 1, heads: 1, embedding: 4, positions: 4, vocabulary: 8)
    #expect(throws: ModelError.unsupportedConfig("n_layer is 1099511627777, beyond any model this implementation runs")) {
        try beyond.validate()
    }
}
