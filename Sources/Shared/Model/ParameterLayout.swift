/// One named tensor inside the flat parameter vector: its Hugging Face name, shape and element offset.
public struct TensorSpec: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// Element offsets of one transformer block's tensors in the flat parameter vector.
/// Shapes follow HF GPT-2 (Conv1D weights are stored [in, out]).
public struct BlockOffsets: Sendable {
    public let ln1Weight: Int      // (C)
    public let ln1Bias: Int        // (C)
    public let qkvWeight: Int      // (C, 3C)
    public let qkvBias: Int        // (3C)
    public let attnProjWeight: Int // (C, C)
    public let attnProjBias: Int   // (C)
    public let ln2Weight: Int      // (C)
    public let ln2Bias: Int        // (C)
    public let fcWeight: Int       // (C, F)
    public let fcBias: Int         // (F)
    public let fcProjWeight: Int   // (F, C)
    public let fcProjBias: Int     // (C)
}

/// The order, names, shapes and offsets of every GPT-2 parameter in one contiguous fp32 vector.
///
/// The order is HF's `state_dict` order (`wte`, `wpe`, then each block, then `ln_f`); the LM head is
/// tied to `wte` and has no entry. This layout is the unit the parameter server shards as contiguous
/// ranges, and the one gradients use, so a shard of parameters and its gradient line up element for
/// element.
public struct ParameterLayout: Sendable {
    public let config: GPT2Config
    /// Every tensor, in HF order, without gaps: `tensors[i+1].offset == tensors[i].range.upperBound`.
    public let tensors: [TensorSpec]
    /// Total number of parameters.
    public let count: Int
    public let wte: Int   // (V, C)
    public let wpe: Int   // (P, C)
    public let blocks: [BlockOffsets]
    public let lnfWeight: Int  // (C)
    public let lnfBias: Int    // (C)

    public init(config: GPT2Config) {
        self.config = config
        let C = config.embedding, F = config.mlpWidth
        var specs: [TensorSpec] = []
        var cursor = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let spec = TensorSpec(name: name, shape: shape, offset: cursor)
            specs.append(spec)
            cursor += spec.count
            return spec.offset
        }
        wte = add("transformer.wte.weight", [config.vocabulary, C])
        wpe = add("transformer.wpe.weight", [config.positions, C])
        var blocks: [BlockOffsets] = []
        for l in 0..<config.layers {
            let p = "transformer.h.\(l)."
            blocks.append(BlockOffsets(
                ln1Weight: add(p + "ln_1.weight", [C]),
                ln1Bias: add(p + "ln_1.bias", [C]),
                qkvWeight: add(p + "attn.c_attn.weight", [C, 3 * C]),
                qkvBias: add(p + "attn.c_attn.bias", [3 * C]),
                attnProjWeight: add(p + "attn.c_proj.weight", [C, C]),
                attnProjBias: add(p + "attn.c_proj.bias", [C]),
                ln2Weight: add(p + "ln_2.weight", [C]),
                ln2Bias: add(p + "ln_2.bias", [C]),
                fcWeight: add(p + "mlp.c_fc.weight", [C, F]),
                fcBias: add(p + "mlp.c_fc.bias", [F]),
                fcProjWeight: add(p + "mlp.c_proj.weight", [F, C]),
                fcProjBias: add(p + "mlp.c_proj.bias", [C])))
        }
        self.blocks = blocks
        lnfWeight = add("transformer.ln_f.weight", [C])
        lnfBias = add("transformer.ln_f.bias", [C])
        tensors = specs
        count = cursor
    }

    /// The elements block `index` reads: its tensors, contiguous in the vector.
    public func blockRange(_ index: Int) -> Range<Int> {
        blocks[index].ln1Weight..<(index + 1 < blocks.count ? blocks[index + 1].ln1Weight : lnfWeight)
    }

    /// The elements the embedding reads: `wte` and `wpe`, contiguous at the start of the vector.
    public var embeddingRange: Range<Int> { wte..<(wpe + config.positions * config.embedding) }

    /// The final LayerNorm's elements, the last of the vector.
    public var finalNormRange: Range<Int> { lnfWeight..<count }

    /// The tensor with this canonical (`transformer.`-prefixed) name, if the model has one.
    public func tensor(named name: String) -> TensorSpec? {
        tensors.first { $0.name == name }
    }

    /// Parameter count of a configuration, computed without building the layout; nil when it does not fit
    /// an `Int` (a configuration from a file or the network may name any sizes).
    public static func parameterCount(of config: GPT2Config) -> Int? {
        func product(_ a: Int, _ b: Int) -> Int? {
            let (value, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? nil : value
        }
        func sum(_ terms: [Int?]) -> Int? {
            terms.reduce(0 as Int?) { total, term in
                guard let total, let term else { return nil }
                let (value, overflow) = total.addingReportingOverflow(term)
                return overflow ? nil : value
            }
        }
        let C = config.embedding, F = config.mlpWidth
        guard [C, F, config.vocabulary, config.positions, config.layers].allSatisfy({ $0 >= 0 }),
              let block = sum([product(2, C), product(C, C).flatMap { product($0, 3) }, product(3, C), product(C, C), C, product(2, C),
                               product(C, F), F, product(F, C), C])
        else { return nil }
        return sum([product(config.vocabulary, C), product(config.positions, C), product(config.layers, block), product(2, C)])
    }
}
