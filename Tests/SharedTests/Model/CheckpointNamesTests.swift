import Testing
@testable import Shared

@Test func checkpointNamesMapToCanonicalParametersHeadAndBuffers() {
    #expect(CheckpointNames.role(of: "wte.weight") == .parameter("transformer.wte.weight"))
    #expect(CheckpointNames.role(of: "transformer.wte.weight") == .parameter("transformer.wte.weight"))
    #expect(CheckpointNames.role(of: "h.3.attn.c_attn.bias") == .parameter("transformer.h.3.attn.c_attn.bias"))
    #expect(CheckpointNames.role(of: "h.3.attn.c_proj.bias") == .parameter("transformer.h.3.attn.c_proj.bias"))
    #expect(CheckpointNames.role(of: "h.3.attn.bias") == .buffer)
    #expect(CheckpointNames.role(of: "transformer.h.11.attn.masked_bias") == .buffer)
    #expect(CheckpointNames.role(of: "lm_head.weight") == .languageModelHead)
    #expect(CheckpointNames.role(of: "h.x.attn.bias") == .parameter("transformer.h.x.attn.bias"))
    #expect(CheckpointNames.role(of: "transformer.lm_head.weight") == .parameter("transformer.lm_head.weight"))
}
