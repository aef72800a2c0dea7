import Foundation

/// The tied LM head and log-softmax at the counted positions only, forward and backward side by side.
///
///     logits = h · wteᵀ,   log p(y | h) = logits[y] − logsumexp(logits)
///     ∂ log p / ∂ logits = onehot(y) − softmax(logits)
///
/// Logits are never held for the whole batch (design.md section 5): counted rows are gathered in blocks
/// of at most `Scratch.rowBlock` rows and the vocabulary is walked in column chunks, with a running
/// log-sum-exp in the forward pass. The backward pass recomputes each chunk's logits from the stored
/// log-sum-exp; walking the vocabulary (not the rows) in the outer loop writes each row of `dWTE`
/// once per row block instead of once per chunk.
enum LanguageModelHead {
    /// Working memory, sized once per shape by `Activations`.
    struct Scratch {
        /// (R, C) gathered hidden rows.
        var gathered: UnsafeMutablePointer<Float>
        /// (R, C) gradient of the gathered rows.
        var dGathered: UnsafeMutablePointer<Float>
        /// (R, W) one chunk of logits, then of their gradient.
        var logits: UnsafeMutablePointer<Float>
        /// (R) running sums of the forward log-sum-exp.
        var rowSums: UnsafeMutablePointer<Float>
        /// (M) indices of counted positions taking part in the backward pass.
        var active: UnsafeMutablePointer<Int32>
        var rowBlock: Int
        var chunkWidth: Int

        /// Rows per block and vocabulary columns per chunk for M counted rows: at most 1024 rows, and a
        /// chunk of about 4 Mi floats (16 MiB), but never narrower than 256 columns.
        static func shape(counted M: Int, vocabulary V: Int) -> (rowBlock: Int, chunkWidth: Int) {
            let rows = max(1, min(M, 1024))
            let width = min(V, max(256, (1 << 22) / rows))
            return (rows, width)
        }
    }

    /// - Parameters:
    ///   - logProbs: (M) log-prob of each counted token.
    ///   - logSumExp: (M) log-sum-exp of each counted row's logits, kept for the backward pass.
    ///   - hidden: (N, C) final LayerNorm output.
    ///   - wte: (V, C) token embeddings, the tied head.
    static func forward(
        logProbs: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>,
        hidden: UnsafePointer<Float>, wte: UnsafePointer<Float>, batch: PackedBatch,
        scratch: Scratch, vocabulary V: Int, channels C: Int
    ) {
        let M = batch.countedCount
        var first = 0
        while first < M {
            let R = min(scratch.rowBlock, M - first)
            for r in 0..<R {
                (scratch.gathered + r * C).update(from: hidden + Int(batch.countedRows[first + r]) * C, count: C)
                logSumExp[first + r] = -.infinity
                scratch.rowSums[r] = 0
            }
            var v0 = 0
            while v0 < V {
                let W = min(scratch.chunkWidth, V - v0)
                BLAS.sgemm(.none, .transpose, m: R, n: W, k: C, a: scratch.gathered, lda: C,
                           b: wte + v0 * C, ldb: C, beta: 0, c: scratch.logits, ldc: W)
                for r in 0..<R {
                    let row = scratch.logits + r * W
                    let target = Int(batch.countedTargets[first + r]) - v0
                    if target >= 0, target < W { logProbs[first + r] = row[target] }
                    let peak = VectorMath.max(row, count: W)
                    let running = logSumExp[first + r]
                    if peak > running {
                        scratch.rowSums[r] *= exp(running - peak)
                        logSumExp[first + r] = peak
                    }
                    scratch.rowSums[r] += VectorMath.exponentiate(row, count: W, shift: logSumExp[first + r])
                }
                v0 += W
            }
            for r in 0..<R {
                logSumExp[first + r] += log(scratch.rowSums[r])
                logProbs[first + r] -= logSumExp[first + r]
            }
            first += R
        }
    }

    /// Accumulates into `dHidden` (rows of counted positions) and `dWTE`.
    ///
    /// - Parameter coefficients: (S) ∂loss/∂(sequence log-prob) per sequence; counted rows of sequences
    ///   whose coefficient is 0 are skipped.
    static func backward(
        dHidden: UnsafeMutablePointer<Float>, dWTE: UnsafeMutablePointer<Float>,
        coefficients: UnsafePointer<Float>, hidden: UnsafePointer<Float>, wte: UnsafePointer<Float>,
        logSumExp: UnsafePointer<Float>, batch: PackedBatch,
        scratch: Scratch, vocabulary V: Int, channels C: Int
    ) {
        var activeCount = 0
        for m in 0..<batch.countedCount where coefficients[Int(batch.countedSequences[m])] != 0 {
            scratch.active[activeCount] = Int32(m)
            activeCount += 1
        }
        var first = 0
        while first < activeCount {
            let R = min(scratch.rowBlock, activeCount - first)
            for r in 0..<R {
                let m = Int(scratch.active[first + r])
                (scratch.gathered + r * C).update(from: hidden + Int(batch.countedRows[m]) * C, count: C)
            }
            scratch.dGathered.update(repeating: 0, count: R * C)
            var v0 = 0
            while v0 < V {
                let W = min(scratch.chunkWidth, V - v0)
                BLAS.sgemm(.none, .transpose, m: R, n: W, k: C, a: scratch.gathered, lda: C,
                           b: wte + v0 * C, ldb: C, beta: 0, c: scratch.logits, ldc: W)
                for r in 0..<R {
                    let m = Int(scratch.active[first + r])
                    let coefficient = coefficients[Int(batch.countedSequences[m])]
                    let shift = logSumExp[m]
                    let row = scratch.logits + r * W
                    for j in 0..<W { row[j] = -coefficient * VectorMath.exp(row[j] - shift) }
                    let target = Int(batch.countedTargets[m]) - v0
                    if target >= 0, target < W { row[target] += coefficient }
                }
                BLAS.sgemm(.none, .none, m: R, n: C, k: W, a: scratch.logits, lda: W,
                           b: wte + v0 * C, ldb: C, beta: 1, c: scratch.dGathered, ldc: C)
                BLAS.sgemm(.transpose, .none, m: W, n: C, k: R, a: scratch.logits, lda: W,
                           b: scratch.gathered, ldb: C, beta: 1, c: dWTE + v0 * C, ldc: C)
                v0 += W
            }
            for r in 0..<R {
                let m = Int(scratch.active[first + r])
                let source = scratch.dGathered + r * C, target = dHidden + Int(batch.countedRows[m]) * C
                for i in 0..<C { target[i] += source[i] }
            }
            first += R
        }
    }
}
