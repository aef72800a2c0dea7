import Foundation

/// The tied LM head and log-softmax at the counted positions only, forward and backward side by side.
///
///     logits = h · wteᵀ,   log p(y | h) = logits[y] − logsumexp(logits)
///     ∂ log p / ∂ logits = onehot(y) − softmax(logits)
///
/// Logits are never held for the whole batch (design rule: never a full [tokens × vocabulary] tensor):
/// counted rows are gathered in blocks and the vocabulary is walked in column chunks whose width depends
/// on the vocabulary alone, with a running log-sum-exp in the forward pass, so every row's result is the
/// same whatever the thread count.
///
/// Forward: one pool task per tile of rows (rows are independent; tiles are large, one per thread,
/// because each walks, and so packs, the whole of `wte`). Backward: for each block of
/// `backwardRows` rows, one task per vocabulary chunk recomputes the chunk's logits from the stored
/// log-sum-exp, writes its own rows of `dWTE` and its share of the rows' gradient; the shares are then
/// summed in chunk order. Every sum thus runs in an order fixed by the shapes, not by the threads.
enum LanguageModelHead {
    /// Working memory, sized once per shape by `Activations`.
    struct Scratch {
        struct Shape {
            /// The counted rows' tiles of the forward pass, one task each.
            var forward: BLAS.Tiling
            /// Counted rows per backward block.
            var backwardRows: Int
            /// Vocabulary columns per chunk, and the number of chunks.
            var chunkWidth: Int
            var chunks: Int
            var threads: Int
            var channels: Int

            /// Forward: the rows in one tile per thread, as a product's tiles (`BLAS.Tiling`: the
            /// chunk products of a tile compute each row as they would in any other tile), at most 1024
            /// rows a tile. Backward: blocks of at most 1024 rows, a size that depends on M alone since
            /// each block's rows are summed into `dWTE`. About 16 chunks of the vocabulary, never narrower
            /// than 256 columns: enough tasks for the threads, and each chunk's products large.
            init(counted M: Int, vocabulary V: Int, channels C: Int, threads: Int) {
                let chunkWidth = min(V, max(256, (V + 15) / 16))
                self.init(forward: BLAS.Tiling(count: M, rowWork: chunkWidth * C, threads: threads, maxTile: 1024),
                          backwardRows: max(1, min(M, 1024)), chunkWidth: chunkWidth, vocabulary: V, channels: C, threads: threads)
            }

            init(forward: BLAS.Tiling, backwardRows: Int, chunkWidth: Int, vocabulary V: Int, channels C: Int, threads: Int) {
                self.forward = forward
                self.backwardRows = backwardRows
                self.chunkWidth = chunkWidth
                self.chunks = (V + chunkWidth - 1) / chunkWidth
                self.threads = threads
                self.channels = C
            }

            var forwardRows: Int { max(1, forward.widest) }
            /// One thread's chunk of logits: room for a forward tile or a backward block.
            var logitsPerThread: Int { max(forwardRows, backwardRows) * chunkWidth }
            var gatheredFloats: Int { max(threads * forwardRows, backwardRows) * channels }
            var logitsFloats: Int { threads * logitsPerThread }
            var rowSumFloats: Int { threads * forwardRows }
            var shareFloats: Int { chunks * backwardRows * channels }
            var floats: Int { gatheredFloats + logitsFloats + rowSumFloats + shareFloats }
        }

        let shape: Shape
        /// (max(T·forwardRows, backwardRows), C) gathered hidden rows: per thread forward, shared backward.
        let gathered: UnsafeMutablePointer<Float>
        /// (T, rows, W) one chunk of logits, then of their gradient, per thread.
        let logits: UnsafeMutablePointer<Float>
        /// (T, forwardRows) running sums of the forward log-sum-exp, per thread.
        let rowSums: UnsafeMutablePointer<Float>
        /// (chunks, backwardRows, C) each chunk's share of the gathered rows' gradient.
        let shares: UnsafeMutablePointer<Float>
        /// (M) indices of counted positions taking part in the backward pass.
        let active: UnsafeMutablePointer<Int32>

        /// Carves the buffers from `floats`, which holds at least `shape.floats`.
        init(shape: Shape, floats: UnsafeMutablePointer<Float>, active: UnsafeMutablePointer<Int32>) {
            self.shape = shape
            gathered = floats
            logits = gathered + shape.gatheredFloats
            rowSums = logits + shape.logitsFloats
            shares = rowSums + shape.rowSumFloats
            self.active = active
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
        scratch: Scratch, vocabulary V: Int, channels C: Int, pool: ComputePool
    ) {
        let shape = scratch.shape, rowsPerTask = shape.forwardRows
        pool.run(shape.forward.parts) { task, slot in
            let rows = shape.forward.range(task), first = rows.lowerBound, R = rows.count
            let gathered = scratch.gathered + slot * rowsPerTask * C
            let logits = scratch.logits + slot * shape.logitsPerThread
            let rowSums = scratch.rowSums + slot * rowsPerTask
            for r in 0..<R {
                (gathered + r * C).update(from: hidden + Int(batch.countedRows[first + r]) * C, count: C)
                logSumExp[first + r] = -.infinity
                rowSums[r] = 0
            }
            var v0 = 0
            while v0 < V {
                let W = min(shape.chunkWidth, V - v0)
                BLAS.sgemm(.none, .transpose, m: R, n: W, k: C, a: gathered, lda: C,
                           b: wte + v0 * C, ldb: C, beta: 0, c: logits, ldc: W)
                for r in 0..<R {
                    let row = logits + r * W
                    let target = Int(batch.countedTargets[first + r]) - v0
                    if target >= 0, target < W { logProbs[first + r] = row[target] }
                    let peak = VectorMath.max(row, count: W)
                    let running = logSumExp[first + r]
                    if peak > running {
                        rowSums[r] *= exp(running - peak)
                        logSumExp[first + r] = peak
                    }
                    rowSums[r] += VectorMath.exponentiate(row, count: W, shift: logSumExp[first + r])
                }
                v0 += W
            }
            for r in 0..<R {
                logSumExp[first + r] += log(rowSums[r])
                logProbs[first + r] -= logSumExp[first + r]
            }
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
        scratch: Scratch, vocabulary V: Int, channels C: Int, pool: ComputePool
    ) {
        let shape = scratch.shape
        var activeCount = 0
        for m in 0..<batch.countedCount where coefficients[Int(batch.countedSequences[m])] != 0 {
            scratch.active[activeCount] = Int32(m)
            activeCount += 1
        }
        var first = 0
        while first < activeCount {
            let R = min(shape.backwardRows, activeCount - first)
            for r in 0..<R {
                let m = Int(scratch.active[first + r])
                (scratch.gathered + r * C).update(from: hidden + Int(batch.countedRows[m]) * C, count: C)
            }
            pool.run(shape.chunks) { chunk, slot in
                let v0 = chunk * shape.chunkWidth, W = min(shape.chunkWidth, V - v0)
                let logits = scratch.logits + slot * shape.logitsPerThread      // (R, W)
                BLAS.sgemm(.none, .transpose, m: R, n: W, k: C, a: scratch.gathered, lda: C,
                           b: wte + v0 * C, ldb: C, beta: 0, c: logits, ldc: W)
                for r in 0..<R {
                    let m = Int(scratch.active[first + r])
                    let coefficient = coefficients[Int(batch.countedSequences[m])]
                    let shift = logSumExp[m]
                    let row = logits + r * W
                    for j in 0..<W { row[j] = -coefficient * VectorMath.exp(row[j] - shift) }
                    let target = Int(batch.countedTargets[m]) - v0
                    if target >= 0, target < W { row[target] += coefficient }
                }
                BLAS.sgemm(.transpose, .none, m: W, n: C, k: R, a: logits, lda: W,
                           b: scratch.gathered, ldb: C, beta: 1, c: dWTE + v0 * C, ldc: C)
                BLAS.sgemm(.none, .none, m: R, n: C, k: W, a: logits, lda: W,
                           b: wte + v0 * C, ldb: C, beta: 0, c: scratch.shares + chunk * shape.backwardRows * C, ldc: C)
            }
            // Rows can repeat (a shared prompt's last row predicts every response's first token), so the
            // threads split the channels, and each adds its rows' shares in row and chunk order.
            pool.forEachRange(C) { channels in
                for r in 0..<R {
                    let target = dHidden + Int(batch.countedRows[Int(scratch.active[first + r])]) * C
                    for chunk in 0..<shape.chunks {
                        let share = scratch.shares + (chunk * shape.backwardRows + r) * C
                        for i in channels { target[i] += share[i] }
                    }
                }
            }
            first += R
        }
    }
}
