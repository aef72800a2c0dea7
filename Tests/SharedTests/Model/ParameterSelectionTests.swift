import Testing
@testable import Shared

/// C = 8, F = 32, V = 13, P = 16; 1992 parameters. Flat ranges:
///
///     wte 0..<104, wpe 104..<232
///     block 0: ln_1 232..<240 + 240..<248, c_attn 248..<440 + 440..<464, attn.c_proj 464..<528 + 528..<536,
///              ln_2 536..<544 + 544..<552, c_fc 552..<808 + 808..<840, mlp.c_proj 840..<1096 + 1096..<1104
///     block 1: the same, 872 later (1104..<1976)
///     ln_f 1976..<1984 + 1984..<1992
private let layout = ParameterLayout(config: GPT2Config(layers: 2, heads: 2, embedding: 8, positions: 16, vocabulary: 13))

/// The names of `modules`' weight and bias, in the order given.
private func tensors(_ modules: String...) -> [String] {
    modules.flatMap { ["transformer.\($0).weight", "transformer.\($0).bias"] }
}

private func select(_ entries: [String]) throws -> ParameterSelection {
    try ParameterSelection(layout: layout, selectedLayers: entries)
}

private func selectionError(_ entries: [String]) -> ParameterSelectionError? {
    do {
        _ = try ParameterSelection(layout: layout, selectedLayers: entries)
        return nil
    } catch {
        return error as? ParameterSelectionError
    }
}

@Test func layoutOffsetsAreTheOnesTheseTestsUse() {
    #expect(layout.count == 1992)
    #expect(layout.tensor(named: "transformer.h.0.mlp.c_proj.weight")?.range == 840..<1096)
    #expect(layout.tensor(named: "transformer.h.1.ln_1.weight")?.range == 1104..<1112)
    #expect(layout.tensor(named: "transformer.h.1.mlp.c_proj.bias")?.range == 1968..<1976)
    #expect(layout.tensor(named: "transformer.ln_f.bias")?.range == 1984..<1992)
}

@Test func allSelectsEveryTensorAsOneRange() {
    let all = ParameterSelection.all(in: layout)
    #expect(all.tensorNames == layout.tensors.map(\.name))
    #expect(all.ranges == [0..<1992])
    #expect(all.count == 1992 && all.totalCount == 1992 && all.selectsEverything)
    #expect(all.matches.isEmpty)
    #expect(all.ranges(within: 100..<300) == [0..<200])
}

/// The reference's recipes select `down_proj` (Mistral's MLP output projection): GPT-2's `mlp.c_proj`.
@Test func downProjSelectsEachBlocksMLPOutputProjection() throws {
    let selection = try select(["down_proj"])
    #expect(selection.tensorNames == tensors("h.0.mlp.c_proj", "h.1.mlp.c_proj"))
    #expect(selection.ranges == [840..<1104, 1712..<1976])
    #expect(selection.count == 528 && !selection.selectsEverything)
    #expect(selection.matches == [.init(entry: "down_proj", form: .llama, tensorNames: tensors("h.0.mlp.c_proj", "h.1.mlp.c_proj"))])
    // The GPT-2 name selects the same tensors.
    let native = try select(["mlp.c_proj"])
    #expect(native.ranges == selection.ranges && native.matches.map(\.form) == [.gpt2])
}

/// GPT-2 entries are substrings of the layout's names, exactly as the reference's `entry in name`.
@Test func gpt2EntriesAreSubstringsOfParameterNames() throws {
    let projections = try select(["c_proj"])
    #expect(projections.tensorNames == tensors("h.0.attn.c_proj", "h.0.mlp.c_proj", "h.1.attn.c_proj", "h.1.mlp.c_proj"))
    #expect(projections.ranges == [464..<536, 840..<1104, 1336..<1408, 1712..<1976])
    let attention = try select(["attn"])
    #expect(attention.tensorNames == tensors("h.0.attn.c_attn", "h.0.attn.c_proj", "h.1.attn.c_attn", "h.1.attn.c_proj"))
    #expect(attention.ranges == [248..<536, 1120..<1408])
    #expect(try select(["mlp"]).ranges == [552..<1104, 1424..<1976])
    let block = try select(["h.1."])
    #expect(block.ranges == [1104..<1976])
    #expect(block.tensorNames == Array(layout.tensors.map(\.name)[14..<26]))
    let one = try select(["transformer.h.0.ln_2.weight"])
    #expect(one.tensorNames == ["transformer.h.0.ln_2.weight"] && one.ranges == [536..<544])
    let norms = try select(["ln_"])
    #expect(norms.tensorNames == tensors("h.0.ln_1", "h.0.ln_2", "h.1.ln_1", "h.1.ln_2", "ln_f"))
    #expect(norms.ranges == [232..<248, 536..<552, 1104..<1120, 1408..<1424, 1976..<1992])
    #expect(try select(["ln_f"]).ranges == [1976..<1992])
    #expect(try select(["wpe"]).ranges == [104..<232])
    #expect(try select(["c_fc.bias"]).ranges == [808..<840, 1680..<1712])
}

/// Llama/Mistral module names select their GPT-2 counterparts' weights and biases.
@Test func llamaEntriesSelectTheirGPT2Counterparts() throws {
    let attention = try select(["self_attn"])
    #expect(attention.tensorNames == tensors("h.0.attn.c_attn", "h.0.attn.c_proj", "h.1.attn.c_attn", "h.1.attn.c_proj"))
    #expect(attention.ranges == [248..<536, 1120..<1408])
    #expect(try select(["o_proj"]).ranges == [464..<536, 1336..<1408])
    #expect(try select(["up_proj"]).tensorNames == tensors("h.0.mlp.c_fc", "h.1.mlp.c_fc"))
    #expect(try select(["gate_proj"]).ranges == [552..<840, 1424..<1712])
    #expect(try select(["q_proj", "k_proj", "v_proj"]).ranges == [248..<464, 1120..<1336])
    #expect(try select(["input_layernorm"]).ranges == [232..<248, 1104..<1120])
    #expect(try select(["post_attention_layernorm"]).ranges == [536..<552, 1408..<1424])
    // "norm" is part of both layer norms' names and of model.norm's; "layernorm" only of the layers'.
    #expect(try select(["norm"]).ranges == [232..<248, 536..<552, 1104..<1120, 1408..<1424, 1976..<1992])
    #expect(try select(["layernorm"]).ranges == [232..<248, 536..<552, 1104..<1120, 1408..<1424])
    #expect(try select(["model.norm"]).tensorNames == tensors("ln_f"))
    #expect(try select(["embed_tokens"]).tensorNames == ["transformer.wte.weight"])
    #expect(try select(["lm_head"]).ranges == [0..<104])
    #expect(try select(["layers.1."]).ranges == [1104..<1976])
    #expect(try select(["model.layers.0.mlp.down_proj.weight"]).tensorNames == tensors("h.0.mlp.c_proj"))
    // wpe has no Llama counterpart: "model" selects everything else.
    let model = try select(["model"])
    #expect(model.ranges == [0..<104, 232..<1992] && model.count == 1992 - 128)
}

/// Entries are applied in turn and their tensors united; touching ranges merge.
@Test func entriesUniteAndTouchingRangesMerge() throws {
    let embeddings = try select(["wte", "wpe"])
    #expect(embeddings.ranges == [0..<232] && embeddings.count == 232)
    let overlapping = try select(["down_proj", "mlp", "h.0.ln_2"])
    #expect(overlapping.ranges == [536..<1104, 1424..<1976])
    #expect(overlapping.matches.map(\.form) == [.llama, .gpt2, .gpt2])
    #expect(overlapping.matches.map(\.tensorNames.count) == [4, 8, 2])
    // Between them, the first block, the rest of the model and the embeddings cover everything.
    let everything = try select(["h.0.", "wte", "h.1.", "ln_f", "wpe"])
    #expect(everything.ranges == [0..<1992] && everything.selectsEverything)
    #expect(everything.tensorNames == layout.tensors.map(\.name))
}

/// As in the reference, `h.1` is also part of `h.10` and `h.11`; `h.1.` is one layer.
@Test func layerNumbersAreSubstringsToo() throws {
    let deep = ParameterLayout(config: GPT2Config(layers: 12, heads: 1, embedding: 2, positions: 2, vocabulary: 3))
    func layers(_ entry: String) throws -> Set<String> {
        Set(try ParameterSelection(layout: deep, selectedLayers: [entry]).tensorNames.map { $0.split(separator: ".")[2].description })
    }
    #expect(try layers("h.1") == ["1", "10", "11"])
    #expect(try layers("h.1.") == ["1"])
    #expect(try layers("layers.1") == ["1", "10", "11"])
    #expect(try layers("layers.1.") == ["1"])
}

@Test func shardRangesAreRelativeAndClipped() throws {
    let selection = try select(["down_proj"])
    #expect(selection.ranges(within: 1000..<1800) == [0..<104, 712..<800])
    #expect(selection.ranges(within: 0..<840) == [])
    #expect(selection.ranges(within: 840..<1992) == [0..<264, 872..<1136])
}

@Test func badEntriesAreNamed() {
    #expect(selectionError([]) == .nothingSelected)
    #expect(selectionError(["mlp", ""]) == .emptyEntry(index: 1))
    #expect(selectionError(["mlp", "donw_proj"]) == .unmatchedEntry(entry: "donw_proj", layers: 2))
    #expect(selectionError(["h.2."]) == .unmatchedEntry(entry: "h.2.", layers: 2))
    #expect(selectionError([" down_proj"]) == .unmatchedEntry(entry: " down_proj", layers: 2))
    #expect(selectionError(["Down_proj"]) == .unmatchedEntry(entry: "Down_proj", layers: 2))
    let description = ParameterSelectionError.unmatchedEntry(entry: "donw_proj", layers: 2).description
    #expect(description == "selected_layers entry \"donw_proj\" is part of no parameter name of this GPT-2 model (layers 0–1); "
            + "an entry is a substring of a GPT-2 name, such as transformer.h.1.mlp.c_proj.weight, mlp, c_attn, attn.c_proj, "
            + "ln_1, h.1., wte, ln_f, bias, or of a Llama/Mistral name standing for its GPT-2 counterpart, such as down_proj, "
            + "up_proj, o_proj, self_attn, input_layernorm, layers.1., embed_tokens, norm (docs/selective.md)")
}

/// GPT-2 stores the query, key and value projections as one [C, 3C] tensor, which is selected whole.
@Test func partOfTheFusedAttentionIsRefused() {
    #expect(selectionError(["q_proj"]) == .partOfFusedAttention(entries: ["q_proj"], layer: 0))
    #expect(selectionError(["q_proj", "layers.0.self_attn"]) == .partOfFusedAttention(entries: ["q_proj"], layer: 1))
    #expect(selectionError(["q_proj", "k_proj", "layers.0.self_attn.v_proj"])
            == .partOfFusedAttention(entries: ["q_proj", "k_proj"], layer: 1))
    #expect(selectionError(["layers.1.self_attn.v_proj", "layers.1.self_attn.k_proj", "layers.1.self_attn.q_proj"]) == nil)
    #expect(ParameterSelectionError.partOfFusedAttention(entries: ["q_proj", "k_proj"], layer: 1).description
            == "selected_layers \"q_proj\", \"k_proj\" name only part of layer 1's q_proj, k_proj and v_proj, which GPT-2 stores "
            + "as one tensor, transformer.h.1.attn.c_attn.weight; select all three, or c_attn")
}
