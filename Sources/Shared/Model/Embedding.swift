/// Token plus learned position embeddings, forward and backward side by side.
///
///     x[t] = wte[id[t]] + wpe[pos[t]]      pos restarts at 0 for every packed sequence
enum Embedding {
    static func forward(
        out: UnsafeMutablePointer<Float>, batch: PackedBatch,
        wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, channels C: Int, pool: ComputePool
    ) {
        pool.forEachRange(batch.tokenCount) { rows in
            for t in rows {
                let token = wte + Int(batch.tokens[t]) * C
                let position = wpe + Int(batch.positions[t]) * C
                let x = out + t * C
                for i in 0..<C { x[i] = token[i] + position[i] }
            }
        }
    }

    /// Accumulates each row of `dOut` into the embedding rows it came from (`+=`: a token id or a
    /// position can occur many times in a batch). Threads split the channels, so two threads never add
    /// into the same element, and each element's additions run in row order.
    static func backward(
        dWTE: UnsafeMutablePointer<Float>, dWPE: UnsafeMutablePointer<Float>,
        dOut: UnsafePointer<Float>, batch: PackedBatch, channels C: Int, pool: ComputePool
    ) {
        pool.forEachRange(C) { channels in
            for t in 0..<batch.tokenCount {
                let dx = dOut + t * C
                let token = dWTE + Int(batch.tokens[t]) * C
                let position = dWPE + Int(batch.positions[t]) * C
                for i in channels {
                    token[i] += dx[i]
                    position[i] += dx[i]
                }
            }
        }
    }
}

extension Embedding {
    /// The rows of consecutive positions of one sequence, as the incremental decoder feeds them:
    ///
    ///     x[r] = wte[tokens[r]] + wpe[firstPosition + r]
    ///
    /// - Parameters:
    ///   - out: (R, C) with R = `tokens.count`.
    ///   - tokens: ids already checked against the vocabulary; `firstPosition + R` ≤ n_positions.
    static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafeBufferPointer<Int>, firstPosition: Int,
        wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, channels C: Int
    ) {
        for (r, id) in tokens.enumerated() {
            let token = wte + id * C, position = wpe + (firstPosition + r) * C, x = out + r * C
            for i in 0..<C { x[i] = token[i] + position[i] }
        }
    }
}
