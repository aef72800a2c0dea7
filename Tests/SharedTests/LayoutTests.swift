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
