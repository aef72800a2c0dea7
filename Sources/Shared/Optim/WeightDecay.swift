/// Which parameters take weight decay: HF `Trainer`'s rule (`get_decay_parameter_names`), every
/// parameter except biases and the parameters of LayerNorm modules.
///
/// For GPT-2 that decays `wte`, `wpe` and each block's four Conv1D weights, and leaves `ln_1`, `ln_2`,
/// `ln_f` and every `bias` alone. A shard's decayed ranges are computed once, so an optimizer step
/// walks a short list of ranges instead of testing elements.
public enum WeightDecay {
    /// The sub-ranges of `shard` (flat-vector indices, within the layout) whose parameters decay,
    /// relative to `shard.lowerBound`, sorted, disjoint, with touching ranges merged.
    public static func ranges(in layout: ParameterLayout, within shard: Range<Int>) -> [Range<Int>] {
        precondition(shard.lowerBound >= 0 && shard.upperBound <= layout.count, "shard \(shard) lies outside the \(layout.count) parameters")
        var ranges: [Range<Int>] = []
        for tensor in layout.tensors where decays(tensorNamed: tensor.name) {
            let overlap = tensor.range.clamped(to: shard)
            guard !overlap.isEmpty else { continue }
            let relative = (overlap.lowerBound - shard.lowerBound)..<(overlap.upperBound - shard.lowerBound)
            if let last = ranges.last, last.upperBound == relative.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<relative.upperBound
            } else {
                ranges.append(relative)
            }
        }
        return ranges
    }

    /// HF Trainer's rule for one tensor name: no decay for a `bias` or for any parameter of a LayerNorm
    /// module (GPT-2 names them `ln_1`, `ln_2`, `ln_f`).
    public static func decays(tensorNamed name: String) -> Bool {
        let components = name.split(separator: ".")
        if components.last == "bias" { return false }
        return !components.dropLast().contains { $0.hasPrefix("ln_") }
    }
}
