/// Global-norm gradient clipping across shards, as `torch.nn.utils.clip_grad_norm_` defines it.
///
/// Each shard reports Σ g² over its range (`sumOfSquares`); the global L2 norm is the square root of
/// their total, and every gradient element is multiplied by `coefficient(totalNorm:maxNorm:)`, which
/// is `maxNorm / (totalNorm + 1e-6)` clamped to at most 1. Sums are accumulated in `Double`, so the norm
/// of a 124M-element gradient does not depend on how it was sharded beyond the last bits (PyTorch sums
/// per-tensor norms in fp32; our norm is the more accurate of the two).
public enum GradientClipping {
    /// Σ x² over `count` elements from `pointer`, each square formed and summed in `Double`.
    public static func sumOfSquares(_ pointer: UnsafePointer<Float>, count: Int) -> Double {
        // Four independent partial sums let the loop vectorise and halve the rounding error's growth.
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= count {
            let a = Double(pointer[i]), b = Double(pointer[i + 1]), c = Double(pointer[i + 2]), d = Double(pointer[i + 3])
            s0 += a * a
            s1 += b * b
            s2 += c * c
            s3 += d * d
            i += 4
        }
        while i < count {
            let a = Double(pointer[i])
            s0 += a * a
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// Σ x² of a buffer (see `sumOfSquares(_:count:)`).
    public static func sumOfSquares(_ values: UnsafeBufferPointer<Float>) -> Double {
        guard let base = values.baseAddress else { return 0 }
        return sumOfSquares(base, count: values.count)
    }

    /// The L2 norm of the whole gradient from each shard's Σ g².
    public static func globalNorm<Sums: Sequence>(sumsOfSquares: Sums) -> Double where Sums.Element == Double {
        sumsOfSquares.reduce(0, +).squareRoot()
    }

    /// The factor every gradient element is multiplied by: `min(1, maxNorm / (totalNorm + 1e-6))`, as
    /// `clip_grad_norm_`. A `maxNorm` of 0 or less means no clipping (HF Trainer skips clipping then),
    /// as does a non-finite `totalNorm`, which a gradient that passed the finiteness checks cannot have.
    public static func coefficient(totalNorm: Double, maxNorm: Double) -> Double {
        guard maxNorm > 0, totalNorm.isFinite else { return 1 }
        let coefficient = maxNorm / (totalNorm + 1e-6)
        return coefficient < 1 ? coefficient : 1
    }
}
