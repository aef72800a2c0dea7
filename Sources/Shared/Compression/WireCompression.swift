/// What crosses the wire for parameters and gradients: the recipe key `compression`
/// (docs/compression.md). Every setting keeps a synchronous run bit-identical across worker counts.
public enum WireCompression: Hashable, Sendable, CustomStringConvertible {
    /// fp32 both ways, as without compression.
    case none
    /// Parameters and gradients as bfloat16, rounded to nearest even.
    case bf16
    /// Parameters as sparse updates of the server's public copy with error feedback (`PublicCopy`),
    /// `fraction` of each shard's coordinates per step; gradients as bfloat16. 0 < `fraction` ≤ 1.
    case topK(fraction: Double)

    /// The fraction `topk` means when the recipe gives none.
    public static let defaultTopKFraction = 0.01

    /// The forms `init(recipeValue:)` accepts, as its errors quote them.
    public static let acceptedForms = "none, bf16, topk (fraction \(defaultTopKFraction)) or topk:F with 0 < F ≤ 1"

    /// Parses the recipe value: `none`, `bf16`, `topk` or `topk:F` (F a decimal number, 0 < F ≤ 1).
    /// - Throws: `CompressionError.invalidSetting` naming the value and why it was refused.
    public init(recipeValue text: String) throws {
        switch text {
        case "none": self = .none
        case "bf16": self = .bf16
        case "topk": self = .topK(fraction: Self.defaultTopKFraction)
        default:
            guard text.hasPrefix("topk:") else {
                throw CompressionError.invalidSetting(value: text, reason: "it is not one of the accepted forms")
            }
            let fractionText = text.dropFirst("topk:".count)
            guard let fraction = Double(fractionText) else {
                throw CompressionError.invalidSetting(value: text, reason: "\"\(fractionText)\" is not a number")
            }
            guard fraction > 0, fraction <= 1 else {
                throw CompressionError.invalidSetting(value: text, reason: "the fraction must be greater than 0 and at most 1")
            }
            self = .topK(fraction: fraction)
        }
    }

    /// The canonical recipe value; `topk` is always written with its fraction (`topk:0.01`).
    public var description: String {
        switch self {
        case .none: return "none"
        case .bf16: return "bf16"
        case .topK(let fraction): return "topk:\(fraction)"
        }
    }
}
