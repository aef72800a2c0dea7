/// The parameters a run trains: every tensor, or the tensors a recipe's `selected_layers` entries name
/// (`use_selective`, the reference's selective fine-tuning; docs/selective.md).
///
/// An entry is matched as the reference's `freeze_model` matches it, as a substring of a parameter name
/// (`entry in name`). It is matched first against this model's own names, which are HF
/// `GPT2LMHeadModel.named_parameters()`'s; an entry that is part of none of them is matched against the
/// names a Llama/Mistral model of the same depth has, each standing for its GPT-2 module
/// (`LlamaCounterparts`). Selection is by whole tensors, so the selected elements are a few ranges of the
/// flat parameter vector.
public struct ParameterSelection: Equatable, Sendable {
    /// What one `selected_layers` entry selected.
    public struct Match: Equatable, Sendable {
        /// Which names the entry was found in.
        public enum Form: Equatable, Sendable {
            /// A substring of GPT-2 parameter names.
            case gpt2
            /// A substring of Llama/Mistral parameter names, each standing for a GPT-2 module.
            case llama
        }

        public let entry: String
        public let form: Form
        /// The tensors it selects, in layout order; never empty.
        public let tensorNames: [String]
    }

    /// Parameters of the whole model.
    public let totalCount: Int
    /// Selected tensors' names, in layout order.
    public let tensorNames: [String]
    /// Selected elements of the flat parameter vector: sorted, disjoint, touching ranges merged.
    public let ranges: [Range<Int>]
    /// Selected parameters: the sum of `ranges`' counts.
    public let count: Int
    /// One per entry, in recipe order; empty for `all(in:)`.
    public let matches: [Match]

    /// Whether every parameter is trained (`all(in:)`, or entries that together name every tensor).
    public var selectsEverything: Bool { count == totalCount }

    /// Every parameter of `layout`: what a run without `use_selective` trains.
    public static func all(in layout: ParameterLayout) -> ParameterSelection {
        ParameterSelection(layout: layout, selected: Set(layout.tensors.map(\.name)), matches: [])
    }

    /// The tensors of `layout` that `entries` (a recipe's `selected_layers`) name.
    ///
    /// - Throws: `ParameterSelectionError` for an empty list, an empty entry, an entry that is part of no
    ///   GPT-2 or Llama/Mistral parameter name of this depth, or Llama/Mistral entries that name only part
    ///   of a layer's fused query, key and value projection.
    public init(layout: ParameterLayout, selectedLayers entries: [String]) throws {
        guard !entries.isEmpty else { throw ParameterSelectionError.nothingSelected }
        let names = layout.tensors.map(\.name)
        let counterparts = LlamaCounterparts.all(layers: layout.config.layers)
        var matches: [Match] = []
        var fusedEntries: [Int: [String]] = [:]
        var fusedNames: [Int: Set<String>] = [:]
        for (index, entry) in entries.enumerated() {
            guard !entry.isEmpty else { throw ParameterSelectionError.emptyEntry(index: index) }
            let gpt2 = names.filter { $0.contains(entry) }
            if !gpt2.isEmpty {
                matches.append(Match(entry: entry, form: .gpt2, tensorNames: gpt2))
                continue
            }
            let llama = counterparts.filter { $0.name.contains(entry) }
            guard !llama.isEmpty else {
                throw ParameterSelectionError.unmatchedEntry(entry: entry, layers: layout.config.layers)
            }
            for counterpart in llama {
                guard let layer = counterpart.fusedAttentionLayer else { continue }
                fusedNames[layer, default: []].insert(counterpart.name)
                if !fusedEntries[layer, default: []].contains(entry) { fusedEntries[layer, default: []].append(entry) }
            }
            let modules = Set(llama.map { $0.module + "." })
            matches.append(Match(entry: entry, form: .llama, tensorNames: names.filter { name in modules.contains { name.hasPrefix($0) } }))
        }
        // q_proj, k_proj and v_proj are the column thirds of one [C, 3C] tensor: selectable only together.
        if let (layer, _) = fusedNames.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count < 3 }) {
            throw ParameterSelectionError.partOfFusedAttention(entries: fusedEntries[layer, default: []], layer: layer)
        }
        self.init(layout: layout, selected: Set(matches.flatMap(\.tensorNames)), matches: matches)
    }

    private init(layout: ParameterLayout, selected: Set<String>, matches: [Match]) {
        var names: [String] = []
        var ranges: [Range<Int>] = []
        for tensor in layout.tensors where selected.contains(tensor.name) {
            names.append(tensor.name)
            if let last = ranges.last, last.upperBound == tensor.range.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<tensor.range.upperBound
            } else {
                ranges.append(tensor.range)
            }
        }
        totalCount = layout.count
        tensorNames = names
        self.ranges = ranges
        count = ranges.reduce(0) { $0 + $1.count }
        self.matches = matches
    }

    /// The selected sub-ranges of `shard` (flat-vector indices), relative to `shard.lowerBound`: sorted,
    /// disjoint, touching ranges merged. What a shard trains, keeps optimizer state for, and sends.
    public func ranges(within shard: Range<Int>) -> [Range<Int>] {
        precondition(shard.lowerBound >= 0 && shard.upperBound <= totalCount, "shard \(shard) lies outside the \(totalCount) parameters")
        return ranges.compactMap { range in
            let overlap = range.clamped(to: shard)
            guard !overlap.isEmpty else { return nil }
            return (overlap.lowerBound - shard.lowerBound)..<(overlap.upperBound - shard.lowerBound)
        }
    }
}
