/// What crosses the wire for parameters and gradients: the recipe key `compression` (docs/compression.md),
/// written `PARAMETERS` or `PARAMETERS+GRADIENTS`. Every setting keeps a synchronous run bit-identical
/// across worker counts.
public struct WireCompression: Hashable, Sendable, CustomStringConvertible {
    /// How a server sends parameters to workers.
    public enum Parameters: Hashable, Sendable {
        /// Exact: a whole fp32 shard, or the XOR of the new fp32 bits with those the worker holds.
        case exact
        /// bfloat16 of the fp32 master, rounded to nearest even.
        case bf16
        /// Sparse updates of the server's public copy with error feedback (`PublicCopy`), `fraction` of
        /// each shard's coordinates per step. 0 < `fraction` ≤ 1.
        case topK(fraction: Double)
    }

    /// How a worker sends gradients to servers.
    public enum Gradients: Hashable, Sendable, CaseIterable {
        case fp32
        /// bfloat16, rounded to nearest even.
        case bf16
        /// `StochasticQuantization` to 8-bit integers with a step per block: unbiased, seeded by the batch.
        case int8
        /// The same with 4-bit integers.
        case int4

        /// The name after `+` in a recipe value.
        public var name: String {
            switch self {
            case .fp32: return "fp32"
            case .bf16: return "bf16"
            case .int8: return "int8"
            case .int4: return "int4"
            }
        }
    }

    public var parameters: Parameters
    public var gradients: Gradients

    /// Whether a trained shard keeps a public copy beside its parameters (`topk`): the values workers
    /// compute on, which a checkpoint and a server hand-over carry too.
    public var keepsPublicCopy: Bool {
        if case .topK = parameters { return true }
        return false
    }

    /// Gradients default to the precision parameters travel in: fp32 with exact parameters, bfloat16
    /// otherwise (a top-k update is exact per coordinate, but the gradients it follows need no more than
    /// bfloat16 to train as `none` does; BENCHMARKS.md, "Compression on the wire").
    public init(parameters: Parameters, gradients: Gradients? = nil) {
        self.parameters = parameters
        self.gradients = gradients ?? Self.defaultGradients(for: parameters)
    }

    /// fp32 both ways, as without compression.
    public static let none = WireCompression(parameters: .exact)
    /// Parameters and gradients as bfloat16.
    public static let bf16 = WireCompression(parameters: .bf16)
    /// Top-k parameter updates; gradients as `gradients` (bfloat16 unless given).
    public static func topK(fraction: Double, gradients: Gradients? = nil) -> WireCompression {
        WireCompression(parameters: .topK(fraction: fraction), gradients: gradients)
    }

    /// The fraction `topk` means when the recipe gives none.
    public static let defaultTopKFraction = 0.01

    /// The forms `init(recipeValue:)` accepts, as its errors quote them.
    public static let acceptedForms = "none, bf16, topk (fraction \(defaultTopKFraction)) or topk:F with 0 < F ≤ 1, "
        + "each optionally followed by +fp32, +bf16, +int8 or +int4 for the gradients"

    private static func defaultGradients(for parameters: Parameters) -> Gradients {
        parameters == .exact ? .fp32 : .bf16
    }

    /// Parses the recipe value: `none`, `bf16`, `topk` or `topk:F` (F a decimal number, 0 < F ≤ 1), then
    /// optionally `+` and the gradients' form (`fp32`, `bf16`, `int8`, `int4`).
    /// - Throws: `CompressionError.invalidSetting` naming the value and why it was refused.
    public init(recipeValue text: String) throws {
        let parts = text.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
        var gradients: Gradients?
        if parts.count == 2 {
            guard let form = Gradients.allCases.first(where: { $0.name == parts[1] }) else {
                throw CompressionError.invalidSetting(value: text, reason: "\"\(parts[1])\" is not a gradient form")
            }
            gradients = form
        }
        let parametersText = String(parts[0])
        switch parametersText {
        case "none": self.init(parameters: .exact, gradients: gradients)
        case "bf16": self.init(parameters: .bf16, gradients: gradients)
        case "topk": self.init(parameters: .topK(fraction: Self.defaultTopKFraction), gradients: gradients)
        default:
            guard parametersText.hasPrefix("topk:") else {
                throw CompressionError.invalidSetting(value: text, reason: "it is not one of the accepted forms")
            }
            let fractionText = parametersText.dropFirst("topk:".count)
            guard let fraction = Double(fractionText) else {
                throw CompressionError.invalidSetting(value: text, reason: "\"\(fractionText)\" is not a number")
            }
            guard fraction > 0, fraction <= 1 else {
                throw CompressionError.invalidSetting(value: text, reason: "the fraction must be greater than 0 and at most 1")
            }
            self.init(parameters: .topK(fraction: fraction), gradients: gradients)
        }
    }

    /// The canonical recipe value: `topk` always with its fraction (`topk:0.01`), the gradients' form only
    /// where it is not the default for the parameters' (`topk:0.01+int4`).
    public var description: String {
        let head: String
        switch parameters {
        case .exact: head = "none"
        case .bf16: head = "bf16"
        case .topK(let fraction): head = "topk:\(fraction)"
        }
        return gradients == Self.defaultGradients(for: parameters) ? head : "\(head)+\(gradients.name)"
    }
}
