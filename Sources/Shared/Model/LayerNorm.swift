/// LayerNorm over the channel dimension, forward and backward side by side (HF `nn.LayerNorm`:
/// biased variance, `eps` inside the square root).
///
///     y = (x − μ) · rstd · w + b,   rstd = 1 / sqrt(σ² + eps)
///
/// Rows are independent and split across the pool's threads; the parameter gradients, sums over rows,
/// are split by channel instead, each channel summed over rows in row order whatever the thread count.
enum LayerNorm {
    /// - Parameters:
    ///   - out: (N, C) normalised, scaled and shifted rows.
    ///   - mean, rstd: (N) per-row statistics, kept for the backward pass.
    ///   - input: (N, C).
    ///   - weight, bias: (C).
    static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, channels C: Int, epsilon: Float, pool: ComputePool
    ) {
        pool.forEachRange(rows) { range in
            for n in range {
                let x = input + n * C
                let m = VectorMath.sum(x, count: C) / Float(C)
                let variance = VectorMath.squaredDeviations(x, count: C, from: m) / Float(C)
                let s = 1 / (variance + epsilon).squareRoot()
                let y = out + n * C
                for i in 0..<C { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
                mean[n] = m
                rstd[n] = s
            }
        }
    }

    /// Accumulates into `dInput`, `dWeight` and `dBias` (`+=`: the residual stream's gradient flows
    /// through unchanged and the parameter gradients sum over rows and over calls).
    ///
    ///     x̂ = (x − μ)·rstd,  g = dy ⊙ w
    ///     dx += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),   dw += dy ⊙ x̂,   db += dy
    static func backward(
        dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
        dOut: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        rows: Int, channels C: Int, pool: ComputePool
    ) {
        pool.forEachRange(rows) { range in
            for n in range {
                let x = input + n * C, dy = dOut + n * C, dx = dInput + n * C
                let m = mean[n], s = rstd[n]
                let gMean = VectorMath.dot(dy, weight, count: C) / Float(C)
                let gxMean = VectorMath.dot(dy, weight, deviations: x, count: C, from: m) * s / Float(C)
                for i in 0..<C {
                    let xhat = (x[i] - m) * s
                    dx[i] += s * (dy[i] * weight[i] - gMean - xhat * gxMean)
                }
            }
        }
        pool.forEachRange(C) { channels in
            for n in 0..<rows {
                let x = input + n * C, dy = dOut + n * C
                let m = mean[n], s = rstd[n]
                for i in channels {
                    dBias[i] += dy[i]
                    dWeight[i] += dy[i] * ((x[i] - m) * s)
                }
            }
        }
    }
}
