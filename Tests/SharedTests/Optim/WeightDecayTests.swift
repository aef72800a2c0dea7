import Testing
@testable import Shared

/// HF Trainer's rule for GPT-2 (checked by hand with `transformers.trainer_pt_utils.get_parameter_names`):
/// `wte`, `wpe` and the four Conv1D weights decay; LayerNorm parameters and biases do not.
@Test func decayFollowsHuggingFaceTrainerRule() {
    let decayed = ParameterLayout(config: GPT2Config(layers: 1, heads: 2, embedding: 8, positions: 6, vocabulary: 11))
        .tensors.map(\.name).filter(WeightDecay.decays(tensorNamed:))
    #expect(decayed == [
        "transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
        "transformer.h.0.attn.c_proj.weight", "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_proj.weight",
    ])
}

/// Shard ranges are relative to the shard, clipped to it, and merged where decayed tensors touch
/// (`wte` and `wpe` are adjacent).
@Test func shardRangesAreRelativeClippedAndMerged() {
    // C = 4, F = 16, V = 5, P = 3: wte 0..<20, wpe 20..<32, ln_1 32..<40, c_attn.weight 40..<88,
    // c_attn.bias 88..<100, c_proj.weight 100..<116, c_proj.bias 116..<120, ln_2 120..<128,
    // c_fc.weight 128..<192, c_fc.bias 192..<208, mlp.c_proj.weight 208..<272, bias 272..<276, ln_f 276..<284.
    let layout = ParameterLayout(config: GPT2Config(layers: 1, heads: 2, embedding: 4, positions: 3, vocabulary: 5))
    #expect(layout.count == 284)
    #expect(WeightDecay.ranges(in: layout, within: 0..<284) == [0..<32, 40..<88, 100..<116, 128..<192, 208..<272])
    // A shard from inside wpe to inside c_fc.weight, relative to its start 25.
    #expect(WeightDecay.ranges(in: layout, within: 25..<150) == [0..<7, 15..<63, 75..<91, 103..<125])
    // A shard holding only LayerNorm and bias parameters.
    #expect(WeightDecay.ranges(in: layout, within: 272..<284) == [])
}
